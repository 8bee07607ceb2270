import Foundation

/// One notified cluster as the platforms' record counts it.
public struct NoticeRecord: Sendable, Equatable {
    public var clusterID: Int64
    public var platform: Platform
    public var offence: String?
    public var status: ModerationStatus
    /// The first notice.
    public var notifiedAt: Date
    /// The first removal after it, if any.
    public var removedAt: Date?

    public init(
        clusterID: Int64, platform: Platform, offence: String?, status: ModerationStatus, notifiedAt: Date,
        removedAt: Date?
    ) {
        self.clusterID = clusterID
        self.platform = platform
        self.offence = offence
        self.status = status
        self.notifiedAt = notifiedAt
        self.removedAt = removedAt
    }
}

/// The platforms' record: per platform, and per offence within it, what became of the notices. Pure.
public struct PlatformRecord: Sendable, Equatable {
    /// One line of the record: a platform's total (`offence` nil) or one offence of it.
    public struct Line: Sendable, Equatable {
        public var platform: Platform
        public var offence: String?
        public var notices: Int
        public var removed: Int
        /// removed / notices (0 when no notice).
        public var removalRate: Double
        /// Notice → removal, over the removed ones (nearest-rank percentiles), in seconds.
        public var medianSeconds: Double?
        public var p90Seconds: Double?
        /// Notices at least 7 (30) days old at `asOf` not removed within 7 (30) days.
        public var stillOnline7: Int
        public var stillOnline30: Int
        /// Notices at least 7 (30) days old at `asOf`: the denominators of the two above.
        public var eligible7: Int
        public var eligible30: Int
        /// Notified and nothing recorded since: not removed, not marked online by a moderator.
        public var noAnswer: Int
    }

    /// Platform totals, most notified first, each followed by its offences (most notified first).
    public var lines: [Line]
    /// The time the "after 7 / 30 days" counts are judged at.
    public var asOf: Date

    /// Counts `records` as of `asOf` (the end of the period, or now if sooner).
    public init(_ records: [NoticeRecord], asOf: Date) {
        self.asOf = asOf
        var lines: [Line] = []
        let byPlatform = Dictionary(grouping: records, by: \.platform)
        let platforms = byPlatform.keys.sorted {
            (byPlatform[$0]!.count, $1.rawValue) > (byPlatform[$1]!.count, $0.rawValue)
        }
        for p in platforms {
            let list = byPlatform[p]!
            lines.append(Self.line(p, offence: nil, list, asOf: asOf))
            let byOffence = Dictionary(grouping: list) { $0.offence ?? "" }
            let offences = byOffence.keys.sorted { (byOffence[$0]!.count, $1) > (byOffence[$1]!.count, $0) }
            for o in offences { lines.append(Self.line(p, offence: o, byOffence[o]!, asOf: asOf)) }
        }
        self.lines = lines
    }

    /// The platform totals only.
    public var totals: [Line] { lines.filter { $0.offence == nil } }

    static func line(_ platform: Platform, offence: String?, _ list: [NoticeRecord], asOf: Date) -> Line {
        let delays = list.compactMap { r in r.removedAt.map { $0.timeIntervalSince(r.notifiedAt) } }.sorted()
        func after(_ days: Double) -> (eligible: Int, online: Int) {
            let span = days * 86_400
            let eligible = list.filter { $0.notifiedAt.addingTimeInterval(span) <= asOf }
            let online = eligible.filter { r in r.removedAt.map { $0.timeIntervalSince(r.notifiedAt) > span } ?? true }
            return (eligible.count, online.count)
        }
        let (e7, o7) = after(7)
        let (e30, o30) = after(30)
        return Line(
            platform: platform, offence: offence, notices: list.count, removed: delays.count,
            removalRate: list.isEmpty ? 0 : Double(delays.count) / Double(list.count),
            medianSeconds: percentile(delays, 0.5), p90Seconds: percentile(delays, 0.9), stillOnline7: o7,
            stillOnline30: o30, eligible7: e7, eligible30: e30,
            noAnswer: list.filter { $0.status == .notified && $0.removedAt == nil }.count)
    }

    /// The nearest-rank percentile of sorted values (nil when empty).
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }
}
