import Foundation

/// Books send slots for all connections of a dispatch: token bucket, hourly cap and batch pauses together.
///
/// Each connection asks `reserve(at: now)` before a send and waits until the instant returned. Booked slots are
/// never given back, so a slot whose send fails is simply lost (pacing stays on the safe side).
public struct SendPacer<Instant: InstantProtocol & Sendable>: Sendable where Instant.Duration == Duration {
    public let settings: DispatchSettings
    public private(set) var bucket: TokenBucket<Instant>
    public private(set) var hourlyCap: SlidingWindowCap<Instant>
    /// Slots booked so far.
    public private(set) var reserved = 0
    private var batchResumesAt: Instant?
    /// Lowest rate `slowDown()` goes to, as a share of the configured rate.
    public static var minimumRateShare: Double { 1.0 / 16 }
    /// How long the relay must go without pushing back before the rate doubles back one step.
    public static var quietPeriod: Duration { .seconds(60) }
    /// While the rate is below the configured one: since when the relay has been quiet (the last slow-down, or the
    /// last step back up).
    public private(set) var quietSince: Instant?

    public init(settings: DispatchSettings) {
        self.settings = settings
        self.bucket = TokenBucket(ratePerSecond: settings.ratePerSecond)
        self.hourlyCap = SlidingWindowCap(limit: settings.maxPerHour)
    }

    /// The rate in force (lower than configured after `slowDown()`); 0 = unlimited.
    public var currentRate: Double { bucket.ratePerSecond }

    /// The earliest instant ≥ `now` the next send may happen, without booking it.
    public func earliest(at now: Instant) -> Instant {
        var t = bucket.earliest(at: now)
        if let resume = batchResumesAt, resume > t { t = resume }
        return hourlyCap.earliest(at: t)
    }

    /// Books the next slot and returns its instant (≥ `now`); first steps the rate back up if the relay has been
    /// quiet for `quietPeriod`.
    public mutating func reserve(at now: Instant) -> Instant {
        recoverIfQuiet(at: now)
        // The cap's answer never precedes its input and the bucket's is monotone, so one pass settles all three.
        let t = earliest(at: now)
        _ = bucket.reserve(at: t)
        hourlyCap.record(t)
        reserved += 1
        if settings.batchSize > 0 && reserved % settings.batchSize == 0 {
            batchResumesAt = t.advanced(by: .seconds(settings.pauseBetweenBatchesSeconds))
        }
        return t
    }

    /// Halves the rate (not below 1/16 of the configured one) after a 421; no effect when the rate is unlimited.
    public mutating func slowDown() {
        guard settings.ratePerSecond > 0 else { return }
        let floor = settings.ratePerSecond * Self.minimumRateShare
        bucket.setRate(max(floor, bucket.ratePerSecond / 2))
    }

    /// `slowDown()` after the relay pushed back at `now` (a 421): the rate comes back one doubling per quiet period.
    public mutating func slowDown(at now: Instant) {
        guard settings.ratePerSecond > 0 else { return }
        slowDown()
        quietSince = now
    }

    /// One `recover()` step once the relay has been quiet for `quietPeriod`; the next step needs another quiet period.
    mutating func recoverIfQuiet(at now: Instant) {
        guard let since = quietSince, since.duration(to: now) >= Self.quietPeriod else { return }
        recover()
        quietSince = bucket.ratePerSecond < settings.ratePerSecond ? now : nil
    }

    /// Doubles the rate back towards the configured one, once the relay has been quiet for a while.
    public mutating func recover() {
        guard settings.ratePerSecond > 0 else { return }
        bucket.setRate(min(settings.ratePerSecond, bucket.ratePerSecond * 2))
    }
}
