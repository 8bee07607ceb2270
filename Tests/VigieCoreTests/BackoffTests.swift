import Foundation
import Testing
import VigieCore

@Suite struct BackoffTests {
    let backoff = Backoff(base: .seconds(300), cap: .seconds(21_600), jitter: 0.2)

    @Test(arguments: [
        (0, 300.0), (1, 600), (2, 1200), (5, 9600), (6, 19_200), (7, 21_600), (60, 21_600), (5000, 21_600),
    ])
    func nominalDoublesUpToTheCap(attempt: Int, seconds: Double) {
        #expect(backoff.nominal(attempt: attempt) == .seconds(seconds))
    }

    @Test(arguments: 0..<9)
    func jitteredDelaysStayWithinBounds(attempt: Int) {
        var random = SeededRandom(state: UInt64(attempt) + 1)
        let bounds = backoff.bounds(attempt: attempt)
        let delays = (0..<2000).map { _ in backoff.delay(attempt: attempt, using: &random) }
        #expect(delays.allSatisfy { bounds.contains($0) })
        #expect(bounds.lowerBound == .seconds(backoff.nominal(attempt: attempt).inSeconds * 0.8))
        // Spread: the draws cover most of the range.
        let spread = (delays.max()! - delays.min()!).inSeconds
        #expect(spread > 0.9 * (bounds.upperBound - bounds.lowerBound).inSeconds)
    }

    @Test func extremesOfTheRandomSource() {
        var low = ConstantRandom(value: 0)
        var high = ConstantRandom(value: .max)
        #expect(backoff.delay(attempt: 1, using: &low) == .seconds(600))
        #expect(backoff.delay(attempt: 1, using: &high) == .seconds(480))
        #expect(backoff.delay(attempt: 1, using: &high) == backoff.bounds(attempt: 1).lowerBound)
    }

    @Test func noJitterIsExact() {
        let exact = Backoff(base: .seconds(2), cap: .seconds(300), jitter: 0)
        var random = SeededRandom(state: 5)
        #expect(
            (0..<10).map { exact.delay(attempt: $0, using: &random) }
                == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map { Duration.seconds($0) })
    }

    /// The house's policies, attempt by attempt: (policy, attempt, nominal seconds).
    @Test(arguments: [
        (Backoff.intakeReconnect, 0, 1.0), (.intakeReconnect, 1, 2), (.intakeReconnect, 8, 256),
        (.intakeReconnect, 9, 300), (.intakeReconnect, 1000, 300),
        (.shortLinks, 0, 300), (.shortLinks, 1, 600), (.shortLinks, 8, 76_800), (.shortLinks, 9, 86_400),
        (.shortLinks, 10, 86_400),
        (.parsing, 0, 0), (.parsing, 2, 0),
        (.migrationRace, 0, 0.05), (.migrationRace, 2, 0.2), (.migrationRace, 4, 0.4),
    ])
    func namedPolicies(policy: Backoff, attempt: Int, seconds: Double) {
        #expect(abs(policy.nominal(attempt: attempt).inSeconds - seconds) < 1e-9)
        // No jitter in these: the delay is the nominal one.
        var random = SeededRandom(state: 7)
        #expect(policy.delay(attempt: attempt, using: &random) == policy.nominal(attempt: attempt))
    }

    /// (policy, attempts made, exhausted?)
    @Test(arguments: [
        (Backoff.shortLinks, 7, false), (.shortLinks, 8, true), (.shortLinks, 9, true),
        (.parsing, 2, false), (.parsing, 3, true),
        (.migrationRace, 5, false), (.migrationRace, 6, true),
        (.intakeReconnect, 1_000_000, false),
        (Backoff(base: .seconds(1), cap: .seconds(1), maxAttempts: 0), 1, true),
    ])
    func givesUpAfterItsAttempts(policy: Backoff, attempts: Int, exhausted: Bool) {
        #expect(policy.isExhausted(after: attempts) == exhausted)
    }
}
