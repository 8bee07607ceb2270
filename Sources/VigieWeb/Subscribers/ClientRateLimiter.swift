import Synchronization
import VigieCore

/// A token bucket per client address (VigieCore `TokenBucket`): `burst` requests at once, then one per `interval`.
/// The table is pruned of idle clients when it grows, so a flood of addresses cannot grow it without bound.
final class ClientRateLimiter: Sendable {
    private let buckets = Mutex<[String: TokenBucket<ContinuousClock.Instant>]>([:])
    let ratePerSecond: Double
    let burst: Int
    static let maxClients = 10_000

    init(ratePerSecond: Double, burst: Int) {
        self.ratePerSecond = ratePerSecond
        self.burst = burst
    }

    /// True (and the request counted) when `client` is within its allowance.
    func allow(_ client: String, now: ContinuousClock.Instant = .now) -> Bool {
        buckets.withLock { table in
            var bucket = table[client] ?? TokenBucket(ratePerSecond: ratePerSecond, burst: burst)
            guard bucket.earliest(at: now) <= now else { return false }
            _ = bucket.reserve(at: now)
            if table.count >= Self.maxClients { table = table.filter { $0.value.earliest(at: now) > now } }
            table[client] = bucket
            return true
        }
    }
}
