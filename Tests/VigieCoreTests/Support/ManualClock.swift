import Foundation
import Synchronization

/// A clock that moves only when told: `advance(by:)`, or `sleep`, which jumps straight to the deadline.
final class ManualClock: Clock, Sendable {
    struct Instant: InstantProtocol, Sendable {
        /// Time since the clock's origin.
        var offset: Duration

        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = Mutex(Instant(offset: .zero))

    var now: Instant { current.withLock { $0 } }
    var minimumResolution: Duration { .nanoseconds(1) }

    func advance(by duration: Duration) {
        current.withLock { $0 = $0.advanced(by: duration) }
    }

    /// Moves to `deadline` if it is ahead (simulated time: nobody else is waiting).
    func advance(to deadline: Instant) {
        current.withLock { if deadline > $0 { $0 = deadline } }
    }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        advance(to: deadline)
    }
}

/// Deterministic random numbers (SplitMix64) so jittered delays are reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Always the same draw: 0 gives the full delay, `.max` the most jitter.
struct ConstantRandom: RandomNumberGenerator {
    var value: UInt64
    mutating func next() -> UInt64 { value }
}
