import Foundation

/// A reported URL as it answered when it was fetched for evidence: what a court asks for, kept as fetched.
public struct PageSnapshot: Sendable, Equatable {
    /// The URL asked for (as the citizen wrote it).
    public var url: String
    public var fetchedAt: Date
    /// The final answer's HTTP status; 0 when no answer came (the error says why).
    public var status: Int
    /// Where the redirects ended; nil when nothing answered.
    public var finalURL: String?
    /// Every response's header block as received (redirects included), CRLF lines.
    public var headers: String
    /// The final body, cut at the size limit.
    public var body: [UInt8]
    /// The body was longer than the limit.
    public var truncated: Bool
    /// Why nothing (or not everything) came: a timeout, a refused connection.
    public var error: String?

    public init(
        url: String, fetchedAt: Date, status: Int, finalURL: String?, headers: String, body: [UInt8],
        truncated: Bool, error: String?
    ) {
        self.url = url
        self.fetchedAt = fetchedAt
        self.status = status
        self.finalURL = finalURL
        self.headers = headers
        self.body = body
        self.truncated = truncated
        self.error = error
    }
}

/// A stored snapshot: the fetched page, its row id, cluster and the sha256 of the body kept.
public struct EvidenceRecord: Sendable, Equatable {
    public var id: Int64
    public var clusterID: Int64
    public var snapshot: PageSnapshot
    /// Lowercase hex sha256 of `snapshot.body` as stored.
    public var sha256: String

    public init(id: Int64, clusterID: Int64, snapshot: PageSnapshot, sha256: String) {
        self.id = id
        self.clusterID = clusterID
        self.snapshot = snapshot
        self.sha256 = sha256
    }
}
