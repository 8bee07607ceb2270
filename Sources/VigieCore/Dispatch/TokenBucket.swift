import Foundation

/// Smooth pacing at `ratePerSecond`, as a token bucket in its GCRA form (one "theoretical arrival time").
///
/// Why burst 1 by default: a bucket of capacity B filled at rate r lets `B − 1 + ⌈r·W⌉` sends through any window of
/// W seconds. Only B = 1 keeps every one-second window at ⌈r⌉ — exactly r for a whole rate — so a relay limiting
/// "r per second" never sees us above it, whatever the phase of its window. Sends are spaced ≥ 1/r apart, the
/// interval rounded up to the nanosecond so rounding can never squeeze one more send into a window.
public struct TokenBucket<Instant: InstantProtocol & Sendable>: Sendable where Instant.Duration == Duration {
    /// Sends per second; 0 = unlimited.
    public private(set) var ratePerSecond: Double
    /// Sends allowed back to back after an idle period.
    public let burst: Int
    /// Minimum spacing between sends (zero when unlimited).
    public private(set) var interval: Duration
    private var theoreticalArrival: Instant?

    public init(ratePerSecond: Double, burst: Int = 1) {
        self.ratePerSecond = max(0, ratePerSecond)
        self.burst = max(1, burst)
        self.interval = Self.interval(for: ratePerSecond)
    }

    /// 1/rate rounded up to the nanosecond.
    public static func interval(for rate: Double) -> Duration {
        guard rate > 0, rate.isFinite else { return .zero }
        return .nanoseconds(Int64((1e9 / rate).rounded(.up)))
    }

    /// The earliest instant ≥ `now` at which a send conforms.
    public func earliest(at now: Instant) -> Instant {
        guard let tat = theoreticalArrival, interval > .zero else { return now }
        let allowed = tat.advanced(by: .zero - interval * (burst - 1))
        return allowed > now ? allowed : now
    }

    /// Takes the next slot: returns when the send may happen (≥ `now`) and books it.
    public mutating func reserve(at now: Instant) -> Instant {
        let t = earliest(at: now)
        guard interval > .zero else { return t }
        let base = theoreticalArrival.map { $0 > t ? $0 : t } ?? t
        theoreticalArrival = base.advanced(by: interval)
        return t
    }

    /// Changes the rate for the slots not yet booked (used to slow down after a 421 and to recover).
    public mutating func setRate(_ rate: Double) {
        ratePerSecond = max(0, rate)
        interval = Self.interval(for: ratePerSecond)
    }
}
