import Foundation

/// Exponential backoff with jitter: `base × 2^attempt`, capped, minus a random share so retries spread out.
public struct Backoff: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration
    /// Share of the delay that is random: the delay lies in `nominal × (1 − jitter) … nominal`.
    public var jitter: Double

    public init(base: Duration, cap: Duration, jitter: Double = 0.2) {
        self.base = base
        self.cap = cap
        self.jitter = min(1, max(0, jitter))
    }

    /// `min(cap, base × 2^attempt)` for attempt ≥ 0, before jitter.
    public func nominal(attempt: Int) -> Duration {
        let exponent = Double(min(max(attempt, 0), 1000))
        let seconds = min(base.inSeconds * pow(2, exponent), cap.inSeconds)
        return .seconds(seconds)
    }

    /// The range every jittered delay for that attempt falls in.
    public func bounds(attempt: Int) -> ClosedRange<Duration> {
        let n = nominal(attempt: attempt).inSeconds
        return .seconds(n * (1 - jitter))...Duration.seconds(n)
    }

    /// A jittered delay drawn from `random` (inject a seeded generator in tests).
    public func delay<R: RandomNumberGenerator>(attempt: Int, using random: inout R) -> Duration {
        let n = nominal(attempt: attempt).inSeconds
        // One draw mapped onto 0…1 (53 bits), never a rejection loop, whatever the generator returns.
        let u = Double(random.next() >> 11) / Double((UInt64(1) << 53) - 1)
        return .seconds(n * (1 - jitter * u))
    }
}

extension Duration {
    /// The duration in seconds as a Double (attosecond precision is not needed for pacing decisions).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
