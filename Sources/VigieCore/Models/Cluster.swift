import Foundation

/// One line of `vigie clusters list`: a content and how much it was reported.
public struct ClusterSummary: Sendable, Equatable {
    public var id: Int64
    public var key: String
    public var platform: Platform
    public var kind: ContentIdentity.Kind
    public var canonicalURL: String
    /// The URLs as citizens wrote them (distinct, first seen first).
    public var urls: [String]
    public var reports: Int
    public var reporters: Int
    /// Distinct reporters whose latest report of it is under 24 h old.
    public var recentReporters: Int
    public var priority: Double
    public var status: ModerationStatus
    public var offence: String?
    public var firstReported: Date?
    public var lastReported: Date?
    public var account: String?
    public var platformRef: String?

    public init(
        id: Int64, key: String, platform: Platform, kind: ContentIdentity.Kind, canonicalURL: String,
        urls: [String],
        reports: Int, reporters: Int, recentReporters: Int, priority: Double, status: ModerationStatus,
        offence: String?, firstReported: Date?, lastReported: Date?, account: String?, platformRef: String?
    ) {
        self.id = id
        self.key = key
        self.platform = platform
        self.kind = kind
        self.canonicalURL = canonicalURL
        self.urls = urls
        self.reports = reports
        self.reporters = reporters
        self.recentReporters = recentReporters
        self.priority = priority
        self.status = status
        self.offence = offence
        self.firstReported = firstReported
        self.lastReported = lastReported
        self.account = account
        self.platformRef = platformRef
    }
}

/// One report of a cluster, as `clusters show` lists it.
public struct ClusterReport: Sendable, Equatable {
    public var reportID: Int64
    public var receivedAt: Date
    public var reporter: String?
    public var subject: String?
    public var excerpt: String
    public var urls: [String]

    public init(
        reportID: Int64, receivedAt: Date, reporter: String?, subject: String?, excerpt: String,
        urls: [String]
    ) {
        self.reportID = reportID
        self.receivedAt = receivedAt
        self.reporter = reporter
        self.subject = subject
        self.excerpt = excerpt
        self.urls = urls
    }
}

/// One entry of a cluster's audit trail.
public struct ClusterEvent: Sendable, Equatable {
    public var at: Date
    public var author: String
    public var from: ModerationStatus
    public var to: ModerationStatus
    public var offence: String?
    public var note: String?
    public var platformRef: String?
    public var channel: String?
    public var reason: String?

    public init(
        at: Date, author: String, from: ModerationStatus, to: ModerationStatus, offence: String?,
        note: String?, platformRef: String?, channel: String?, reason: String?
    ) {
        self.at = at
        self.author = author
        self.from = from
        self.to = to
        self.offence = offence
        self.note = note
        self.platformRef = platformRef
        self.channel = channel
        self.reason = reason
    }
}

/// A cluster with its reports and history.
public struct ClusterDetail: Sendable {
    public var summary: ClusterSummary
    public var note: String?
    public var reason: String?
    public var notifiedAt: Date?
    public var notifiedChannel: String?
    public var reportList: [ClusterReport]
    public var events: [ClusterEvent]
    /// Notices mailed to the platform and the platform's answers (filled by the cluster service).
    public var notices: [SentNotice] = []
    public var replies: [PlatformReply] = []
    /// Rechecks of its URLs, oldest first (filled by `ClusterService.detail`).
    public var checks: [LinkCheck] = []
    /// Merges and splits it took part in (filled by `ClusterService.detail`).
    public var lineage = ClusterLineage()

    public init(
        summary: ClusterSummary, note: String?, reason: String?, notifiedAt: Date?, notifiedChannel: String?,
        reportList: [ClusterReport], events: [ClusterEvent]
    ) {
        self.summary = summary
        self.note = note
        self.reason = reason
        self.notifiedAt = notifiedAt
        self.notifiedChannel = notifiedChannel
        self.reportList = reportList
        self.events = events
    }
}

/// An account and what was reported of it.
public struct AccountSummary: Sendable, Equatable {
    public var key: String
    public var platform: Platform
    /// Reported contents (posts, videos) published by the account.
    public var posts: Int
    /// Distinct reporters over the account and all its posts.
    public var reporters: Int
    public var reports: Int
    public var lastReported: Date?

    public init(key: String, platform: Platform, posts: Int, reporters: Int, reports: Int, lastReported: Date?) {
        self.key = key
        self.platform = platform
        self.posts = posts
        self.reporters = reporters
        self.reports = reports
        self.lastReported = lastReported
    }
}

/// How clusters are ranked; weights come from configuration.
public struct PriorityWeights: Sendable, Equatable {
    public var reporters: Double
    public var velocity: Double
    public var recency: Double
    /// Hours after which the recency bonus has halved.
    public var recencyHalfLifeHours: Double

    public init(reporters: Double = 1, velocity: Double = 2, recency: Double = 1, recencyHalfLifeHours: Double = 24) {
        self.reporters = reporters
        self.velocity = velocity
        self.recency = recency
        self.recencyHalfLifeHours = recencyHalfLifeHours
    }

    /// priority = reporters × w_r + reporters_24h × w_v + w_t × 2^(−hours since last report / half-life).
    public func score(reporters: Int, recentReporters: Int, lastReported: Date?, now: Date) -> Double {
        var s = Double(reporters) * self.reporters + Double(recentReporters) * velocity
        if let last = lastReported, recencyHalfLifeHours > 0 {
            let hours = max(0, now.timeIntervalSince(last) / 3600)
            s += recency * pow(2, -hours / recencyHalfLifeHours)
        }
        return s
    }
}

/// A cluster's place in the moderators' corrections.
public struct ClusterLineage: Sendable, Equatable {
    /// The cluster it was merged into (its page then leads there).
    public var mergedInto: Int64?
    /// The clusters merged into it.
    public var absorbed: [Int64]
    /// The cluster it was split out of, when it is a split URL's cluster.
    public var splitFrom: Int64?

    public init(mergedInto: Int64? = nil, absorbed: [Int64] = [], splitFrom: Int64? = nil) {
        self.mergedInto = mergedInto
        self.absorbed = absorbed
        self.splitFrom = splitFrom
    }
}

/// One stored correction, for `clusters overrides`.
public struct IdentityOverrideRecord: Sendable, Equatable {
    public enum Kind: String, Sendable { case merge, split }
    public var kind: Kind
    /// merge: the absorbed cluster's key; split: the URL's literal key.
    public var source: String
    /// merge: the absorbing cluster's key; split: the split cluster's key.
    public var target: String
    public var sourceClusterID: Int64?
    public var targetClusterID: Int64?
    public var author: String
    public var at: Date
    public var note: String?

    public init(
        kind: Kind, source: String, target: String, sourceClusterID: Int64?, targetClusterID: Int64?, author: String,
        at: Date, note: String?
    ) {
        self.kind = kind
        self.source = source
        self.target = target
        self.sourceClusterID = sourceClusterID
        self.targetClusterID = targetClusterID
        self.author = author
        self.at = at
        self.note = note
    }
}
