import Foundation

/// When a qualified or notified cluster's URLs are checked: at fixed delays after the anchor (the notice, or the
/// qualification while not notified), then every week until the cluster is closed. Pure: the next due time follows
/// from the anchor and the last check alone, so a check run by hand moves the schedule on and a process that was
/// down catches up with one check, not with every slot it missed.
public struct RecheckSchedule: Sendable, Equatable {
    /// Delays after the anchor, in seconds: 1 h, 6 h, 24 h, 3 days, 7 days.
    public var delays: [TimeInterval]
    /// After the last delay, one check every this many seconds (a week).
    public var every: TimeInterval

    public init(
        delays: [TimeInterval] = [3600, 6 * 3600, 86_400, 3 * 86_400, 7 * 86_400], every: TimeInterval = 7 * 86_400
    ) {
        self.delays = delays.sorted()
        self.every = max(60, every)
    }

    /// The standard schedule of issue 12.
    public static let standard = RecheckSchedule()

    /// The `n`-th slot (0-based) after `anchor`.
    public func slot(_ n: Int, anchor: Date) -> Date {
        if n < delays.count { return anchor.addingTimeInterval(delays[n]) }
        let last = delays.last ?? 0
        return anchor.addingTimeInterval(last + Double(n - delays.count + 1) * every)
    }

    /// The first slot after the last check (the first slot when there was none).
    public func nextDue(anchor: Date, lastChecked: Date?) -> Date {
        guard let lastChecked else { return slot(0, anchor: anchor) }
        for n in delays.indices where slot(n, anchor: anchor) > lastChecked { return slot(n, anchor: anchor) }
        let base = anchor.addingTimeInterval(delays.last ?? 0)
        let k = max(0, Int((lastChecked.timeIntervalSince(base) / every).rounded(.down)) + 1)
        return base.addingTimeInterval(Double(k) * every)
    }

    /// Whether a check is due at `now`.
    public func isDue(anchor: Date, lastChecked: Date?, now: Date) -> Bool {
        nextDue(anchor: anchor, lastChecked: lastChecked) <= now
    }
}

/// When rechecks may close a notified cluster as removed: every URL's latest clear verdict is `removed`, and that run
/// of `removed` verdicts (unknowns in between ignored) spans at least `minimumSpan` (an hour). A single `removed`, or
/// only `unknown`s, decides nothing.
public struct RemovalConfirmation: Sendable, Equatable {
    public var minimumSpan: TimeInterval

    public init(minimumSpan: TimeInterval = 3600) {
        self.minimumSpan = minimumSpan
    }

    /// Whether `checks` (of any order) confirm the removal of every one of `urls`.
    public func isConfirmed(urls: [String], checks: [LinkCheck]) -> Bool {
        guard !urls.isEmpty else { return false }
        let byURL = Dictionary(grouping: checks, by: \.url)
        return urls.allSatisfy { url in
            let clear = (byURL[url] ?? []).filter { $0.verdict != .unknown }.sorted { $0.checkedAt < $1.checkedAt }
            guard let last = clear.last, last.verdict == .removed else { return false }
            let run = clear.reversed().prefix { $0.verdict == .removed }
            guard let first = run.last else { return false }
            return last.checkedAt.timeIntervalSince(first.checkedAt) >= minimumSpan
        }
    }
}
