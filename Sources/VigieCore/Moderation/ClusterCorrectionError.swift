/// Why a merge or a split was refused (nothing was changed): the CLI prints `description`, the console its own words.
public enum ClusterCorrectionError: Error, CustomStringConvertible, Equatable {
    case unknownCluster(Int64)
    case sameCluster(Int64)
    /// The cluster was merged into `into` already: work is done there.
    case alreadyMerged(cluster: Int64, into: Int64)
    /// `from` was decided or notified: its record belongs to its own URLs.
    case sourceDecided(from: Int64, into: Int64, status: ModerationStatus, notified: Bool)
    /// A qualified cluster into one that is not: the qualification would be lost.
    case qualifiedIntoNew(from: Int64, into: Int64)
    case urlNotInCluster(cluster: Int64, url: String)
    case notAURL(cluster: Int64, url: String)
    case alreadySplit(cluster: Int64, url: String)
    /// Every report of the cluster gives that URL: splitting would empty it.
    case nothingLeft(cluster: Int64, url: String)

    public var description: String {
        switch self {
        case .unknownCluster(let id): "cluster \(id) not found; see `vigie clusters list`"
        case .sameCluster(let id): "cluster \(id): a cluster cannot be merged into itself"
        case .alreadyMerged(let id, let into):
            "cluster \(id) was merged into cluster \(into); work on cluster \(into)"
        case .sourceDecided(let from, let into, let status, let notified):
            "cluster \(from) is \(status.rawValue)\(notified ? " and was notified to the platform" : ""): its record "
                + "must stay with its own URLs; merge cluster \(into) into \(from) instead"
        case .qualifiedIntoNew(let from, let into):
            "cluster \(from) is qualified and cluster \(into) is not: merge cluster \(into) into \(from) instead"
        case .urlNotInCluster(let id, let url): "cluster \(id): no report of it gives the URL \(url)"
        case .notAURL(let id, let url): "cluster \(id): \(url) is not an http(s) URL with a host"
        case .alreadySplit(let id, let url): "cluster \(id): \(url) was already split out"
        case .nothingLeft(let id, let url):
            "cluster \(id): every report of it gives \(url) (or the same URL written otherwise); nothing would be "
                + "left to split it from"
        }
    }
}
