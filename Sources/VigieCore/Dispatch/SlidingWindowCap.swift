import Foundation

/// At most `limit` sends in any window of `window` (the `max_per_hour` cap), counted exactly from send instants.
///
/// Sends must be recorded in non-decreasing order (as `SendPacer` books them); only the last `limit` are kept.
public struct SlidingWindowCap<Instant: InstantProtocol & Sendable>: Sendable where Instant.Duration == Duration {
    /// 0 = unlimited.
    public let limit: Int
    public let window: Duration
    private var times: [Instant] = []
    private var head = 0

    public init(limit: Int, window: Duration = .seconds(3600)) {
        self.limit = max(0, limit)
        self.window = window
    }

    /// The earliest instant ≥ `now` at which one more send keeps every window at `limit` or fewer.
    public func earliest(at now: Instant) -> Instant {
        guard limit > 0, times.count - head >= limit else { return now }
        // The window starting at the oldest of the last `limit` sends is full until it has slid past it.
        let freeAt = times[times.count - limit].advanced(by: window)
        return freeAt > now ? freeAt : now
    }

    /// Counts a send at `instant`.
    public mutating func record(_ instant: Instant) {
        guard limit > 0 else { return }
        times.append(instant)
        if times.count - head > limit { head += 1 }
        if head > 1024 && head * 2 > times.count {
            times.removeFirst(head)
            head = 0
        }
    }
}
