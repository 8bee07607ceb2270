import Foundation
import VigieCore
import VigieStore

/// What one digest says, built from the store and rendered by the templates; holds no reporter's address or name.
public struct DigestContent: Sendable {
    /// One cluster as the digest shows it.
    public struct Cluster: Sendable, Equatable {
        public var id: Int64
        /// What moderators quote (`n° 45`, as `vigie clusters show 45`).
        public var reference: String
        public var platform: String
        public var canonicalURL: String
        /// The first original URLs (those that differ from the canonical one) and how many more there are.
        public var urls: [String]
        public var moreURLs: Int
        public var account: String?
        public var reporters: Int
        public var newReporters: Int
        public var reports: Int
        public var firstReported: Date?
        public var lastReported: Date?
        /// Citizens' own words, masked and trimmed, newest first.
        public var excerpts: [String]
        /// Attachments of the latest reports: name (masked) and type.
        public var attachments: [Attachment]
        public var status: ModerationStatus
        public var offence: String?
        /// First reported since the last digest.
        public var isNew: Bool
        /// `{public_url}/console/clusters/ID`, when `[http] public_url` is set.
        public var link: String?
    }

    /// A file a citizen attached.
    public struct Attachment: Sendable, Equatable {
        public var name: String
        public var type: String
    }

    /// A notified cluster waiting for an outcome.
    public struct Waiting: Sendable, Equatable {
        public var id: Int64
        public var reference: String
        public var platform: String
        public var canonicalURL: String
        public var notifiedAt: Date
        public var days: Int
        public var platformRef: String?
        public var link: String?
    }

    /// A notified cluster the latest recheck still found online, 7 days or more after the notice.
    public struct StillOnlineItem: Sendable, Equatable {
        public var id: Int64
        public var reference: String
        public var platform: String
        public var canonicalURL: String
        public var notifiedAt: Date
        public var lastCheckedAt: Date
        public var days: Int
        public var link: String?
    }

    public var since: Date
    public var until: Date
    /// False when no digest was recorded before: the window is the last 24 h.
    public var sinceLastDigest: Bool
    public var counts: DigestCounts
    public var clusters: [Cluster]
    public var accounts: [AccountSummary]
    public var waiting: [Waiting]
    public var waitingTotal: Int
    /// Platforms' replies received in the window (newest first, `listLimit` at most), and how many in all.
    public var replies: [PlatformReply] = []
    public var repliesTotal = 0
    public var repliesUnmatched = 0
    /// Contents still online 7 days after the notice, per the latest recheck.
    public var stillOnline: [StillOnlineItem] = []
    public var stillOnlineTotal = 0
    /// The platforms' record over the last 4 weeks of notices, on the week's first digest (Monday); else empty.
    public var weekly: [PlatformRecord.Line] = []
}

/// Reads the store into a `DigestContent` (and the same view of one cluster for an alert). Every query is an index
/// range over the window or a LIMITed walk of one listed cluster, so the cost follows the day's activity and `top`,
/// not the store's size.
public struct DigestBuilder: Sendable {
    let store: Store
    let weights: PriorityWeights
    let publicURL: String?
    let offences: [String: String]
    /// The digests' time zone: the weekly block goes in Monday's digest.
    var timeZone = TimeZone(identifier: "Europe/Paris")!

    /// Days a notified cluster may wait for an outcome before the digest lists it.
    public static let waitingDays = 7
    /// Accounts and waiting clusters listed at most.
    public static let listLimit = 10

    init(store: Store, weights: PriorityWeights, publicURL: String?, offences: [Offence]) {
        self.store = store
        self.weights = weights
        self.publicURL = publicURL
        self.offences = Dictionary(offences.map { ($0.code, $0.label) }, uniquingKeysWith: { a, _ in a })
    }

    /// The digest of [since, until); `sinceLastDigest` says whether `since` is the previous digest's time.
    public func build(since: Date, until: Date, sinceLastDigest: Bool, top: Int) throws -> DigestContent {
        let counts = try store.digestCounts(since: since, until: until)
        let records = try store.digestTopClusters(since: since, now: until, limit: top, weights: weights)
        let accounts = try store.digestAccounts(since: since, limit: Self.listLimit)
        let stale = try store.staleNotifications(
            before: until.addingTimeInterval(-Double(Self.waitingDays) * 86_400), limit: Self.listLimit)
        let waiting = stale.list.map { s in
            DigestContent.Waiting(
                id: s.id, reference: Self.reference(s.id), platform: s.platform.displayName,
                canonicalURL: s.canonicalURL, notifiedAt: s.notifiedAt,
                days: Int(until.timeIntervalSince(s.notifiedAt) / 86_400),
                platformRef: s.platformRef, link: link(s.id))
        }
        let replies = try store.platformReplyCounts(since: since, until: until)
        var content = DigestContent(
            since: since, until: until, sinceLastDigest: sinceLastDigest, counts: counts,
            clusters: records.map { cluster($0, since: since) }, accounts: accounts, waiting: waiting,
            waitingTotal: stale.total,
            replies: try store.platformReplies(since: since, until: until, limit: Self.listLimit),
            repliesTotal: replies.total, repliesUnmatched: replies.unmatched)
        let online = try store.stillOnline(
            notifiedBefore: until.addingTimeInterval(-Double(Self.waitingDays) * 86_400), limit: Self.listLimit)
        content.stillOnline = online.list.map { s in
            DigestContent.StillOnlineItem(
                id: s.id, reference: Self.reference(s.id), platform: s.platform.displayName,
                canonicalURL: s.canonicalURL, notifiedAt: s.notifiedAt, lastCheckedAt: s.lastCheckedAt,
                days: Int(until.timeIntervalSince(s.notifiedAt) / 86_400), link: link(s.id))
        }
        content.stillOnlineTotal = online.total
        if isWeeklyDigest(until) {
            let records = try store.noticeRecords(
                since: until.addingTimeInterval(-Double(Self.weeklyDays) * 86_400), until: until)
            content.weekly = PlatformRecord(records, asOf: until).totals
        }
        return content
    }

    /// Days of notices the weekly block counts.
    public static let weeklyDays = 28

    /// Whether the digest sent at `until` is the week's first (a Monday in the digests' time zone).
    func isWeeklyDigest(_ until: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.component(.weekday, from: until) == 2
    }

    /// One cluster as the digest and the alerts show it.
    func cluster(_ r: DigestClusterRecord, since: Date) -> DigestContent.Cluster {
        let s = r.summary
        let others = s.urls.filter { $0 != s.canonicalURL }
        var excerpts: [String] = []
        var attachments: [DigestContent.Attachment] = []
        for sample in r.samples {
            let words = PrivacyMask.mask(String((sample.text ?? "").prefix(4000)), names: sample.identities)
            let excerpt = Excerpt.make(words, maxLength: 240)
            if Self.saysSomething(excerpt), !excerpts.contains(excerpt) { excerpts.append(excerpt) }
            for a in sample.attachments {
                let name = PrivacyMask.mask(a.filename ?? "(sans nom)", names: sample.identities)
                let item = DigestContent.Attachment(name: name, type: a.mimeType)
                if attachments.count < 8, !attachments.contains(item) { attachments.append(item) }
            }
        }
        return DigestContent.Cluster(
            id: s.id, reference: Self.reference(s.id), platform: s.platform.displayName, canonicalURL: s.canonicalURL,
            urls: others, moreURLs: max(0, r.urlCount - s.urls.count), account: s.account, reporters: s.reporters,
            newReporters: r.newReporters, reports: s.reports, firstReported: s.firstReported,
            lastReported: s.lastReported, excerpts: excerpts, attachments: attachments, status: s.status,
            offence: s.offence.map { offences[$0] ?? $0 }, isNew: (s.firstReported ?? .distantPast) >= since,
            link: link(s.id))
    }

    /// Whether an excerpt holds words of the citizen's own, not just a link and a greeting ("Bonjour, voici le
    /// lien : https://…"): 30 letters or more outside links.
    static func saysSomething(_ excerpt: String) -> Bool {
        excerpt.split(whereSeparator: \.isWhitespace).filter { !$0.contains("://") }.joined()
            .filter(\.isLetter).count >= 30
    }

    /// `n° 45`: the cluster's id, as the command line takes it.
    static func reference(_ id: Int64) -> String { "n° \(id)" }

    func link(_ id: Int64) -> String? { publicURL.map { "\($0)/console/clusters/\(id)" } }
}
