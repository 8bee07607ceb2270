import Foundation

/// The one retry policy of the house: exponential backoff with jitter (`base × 2^attempt`, capped, minus a random
/// share so retries spread out), and how many attempts are made before giving up.
///
/// Every retry uses it: the newsletter's deferrals and reconnections (`DispatchSettings`), intake's reconnections,
/// short-link resolution, parse attempts and the store's migration race.
public struct Backoff: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration
    /// Share of the delay that is random: the delay lies in `nominal × (1 − jitter) … nominal`.
    public var jitter: Double
    /// Attempts made in all (the first included) before giving up; `Int.max`: never gives up.
    public var maxAttempts: Int

    public init(base: Duration, cap: Duration, jitter: Double = 0.2, maxAttempts: Int = .max) {
        self.base = base
        self.cap = cap
        self.jitter = min(1, max(0, jitter))
        self.maxAttempts = max(1, maxAttempts)
    }

    /// True once `attempts` attempts were made and no further one is allowed.
    public func isExhausted(after attempts: Int) -> Bool { attempts >= maxAttempts }

    /// Intake's reconnection after a transient fault: 1 s, doubling to 5 min, for ever (one mailbox, no herd).
    public static let intakeReconnect = Backoff(base: .seconds(1), cap: .seconds(300), jitter: 0)

    /// A short link that did not resolve: 5 min, doubling to a day, 8 attempts in all.
    public static let shortLinks = Backoff(base: .seconds(300), cap: .seconds(86_400), jitter: 0, maxAttempts: 8)

    /// A message the parser did not finish (a crash during parsing): retried at the next pass, 3 attempts in all.
    public static let parsing = Backoff(base: .zero, cap: .zero, jitter: 0, maxAttempts: 3)

    /// Two processes migrating a new database at once: the loser retries shortly, 5 retries.
    public static let migrationRace = Backoff(
        base: .milliseconds(50), cap: .milliseconds(400), jitter: 0, maxAttempts: 6)

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
