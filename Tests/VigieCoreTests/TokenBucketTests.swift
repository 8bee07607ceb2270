import Foundation
import Testing
import VigieCore

@Suite struct TokenBucketTests {
    typealias Instant = ManualClock.Instant

    /// The largest number of sends inside any half-open window `[t, t + window)`; windows starting at a send are
    /// enough to find the maximum.
    static func maxInAnyWindow(_ sends: [Instant], window: Duration) -> Int {
        var best = 0
        var end = 0
        for start in sends.indices {
            if end < start { end = start }
            while end < sends.count && sends[end] < sends[start].advanced(by: window) { end += 1 }
            best = max(best, end - start)
        }
        return best
    }

    /// A sender that asks at `arrivals` and sends as soon as the bucket allows: the clock jumps to each slot.
    static func simulate(rate: Double, burst: Int = 1, arrivals: [Duration]) -> [Instant] {
        let clock = ManualClock()
        var bucket = TokenBucket<Instant>(ratePerSecond: rate, burst: burst)
        var sends: [Instant] = []
        for arrival in arrivals {
            clock.advance(to: Instant(offset: arrival))
            let slot = bucket.reserve(at: clock.now)
            #expect(slot >= clock.now)
            clock.advance(to: slot)
            sends.append(slot)
        }
        return sends
    }

    /// Every sender asks immediately: the worst case for bursts.
    static func greedy(_ n: Int) -> [Duration] { Array(repeating: .zero, count: n) }

    /// Senders arriving at random times, with idle gaps that would fill a bigger bucket.
    static func bursty(_ n: Int, seed: UInt64) -> [Duration] {
        var random = SeededRandom(state: seed)
        var t = Duration.zero
        return (0..<n).map { _ in
            let idle = Int.random(in: 0..<20, using: &random) == 0
            t +=
                idle
                ? .seconds(Double.random(in: 1...5, using: &random))
                : .milliseconds(Int.random(in: 0...40, using: &random))
            return t
        }
    }

    @Test(arguments: [1.0, 2.0, 3.0, 7.0, 14.0, 50.0, 100.0])
    func noOneSecondWindowHoldsMoreThanTheRate(rate: Double) {
        for arrivals in [Self.greedy(2000), Self.bursty(2000, seed: 1), Self.bursty(2000, seed: 99)] {
            let sends = Self.simulate(rate: rate, arrivals: arrivals)
            #expect(Self.maxInAnyWindow(sends, window: .seconds(1)) <= Int(rate))
        }
    }

    @Test func fourteenPerSecondTakesNOverRateSeconds() {
        let n = 1400
        let sends = Self.simulate(rate: 14, arrivals: Self.greedy(n))
        let elapsed = sends.first!.duration(to: sends.last!).inSeconds
        // n sends need n − 1 intervals of 1/14 s (each rounded up to the nanosecond).
        #expect(abs(elapsed - Double(n - 1) / 14) < 0.001)
        #expect(Self.maxInAnyWindow(sends, window: .seconds(1)) == 14)
    }

    @Test func halfPerSecondIsThirtyPerMinute() {
        let sends = Self.simulate(rate: 0.5, arrivals: Self.greedy(300))
        #expect(Self.maxInAnyWindow(sends, window: .seconds(60)) == 30)
        #expect(Self.maxInAnyWindow(sends, window: .seconds(1)) == 1)
        #expect(Self.maxInAnyWindow(sends, window: .seconds(2)) == 1)
        #expect(sends.first!.duration(to: sends.last!) == .seconds(598))
        let bursty = Self.simulate(rate: 0.5, arrivals: Self.bursty(300, seed: 7).map { $0 * 100 })
        #expect(Self.maxInAnyWindow(bursty, window: .seconds(60)) <= 30)
    }

    /// For a fractional rate the count is an integer: ⌈rate⌉ per second is the best any pacing can do.
    @Test(arguments: [14.5, 2.5, 0.3])
    func fractionalRatesStayWithinTheCeiling(rate: Double) {
        let sends = Self.simulate(rate: rate, arrivals: Self.bursty(1000, seed: 3))
        for window in [1.0, 10.0, 60.0] {
            #expect(Self.maxInAnyWindow(sends, window: .seconds(window)) <= Int((rate * window).rounded(.up)))
        }
    }

    /// Why burst must be 1: a bucket of `rate` tokens lets almost twice the rate through after an idle period.
    @Test func aBurstEqualToTheRateWouldBreakTheLimit() {
        let sends = Self.simulate(rate: 14, burst: 14, arrivals: Self.greedy(200))
        #expect(Self.maxInAnyWindow(sends, window: .seconds(1)) > 14)
    }

    @Test func idleTimeDoesNotBankSends() {
        let clock = ManualClock()
        var bucket = TokenBucket<Instant>(ratePerSecond: 10)
        _ = bucket.reserve(at: clock.now)
        clock.advance(by: .seconds(3600))
        let first = bucket.reserve(at: clock.now)
        let second = bucket.reserve(at: clock.now)
        #expect(first == clock.now)
        #expect(first.duration(to: second) == .milliseconds(100))
    }

    @Test func zeroMeansUnlimited() {
        let sends = Self.simulate(rate: 0, arrivals: Self.greedy(1000))
        #expect(Set(sends.map(\.offset)) == [.zero])
    }

    @Test func intervalIsRoundedUpSoRoundingNeverAddsASend() {
        #expect(TokenBucket<Instant>.interval(for: 14) == .nanoseconds(71_428_572))
        #expect(TokenBucket<Instant>.interval(for: 3) == .nanoseconds(333_333_334))
        #expect(TokenBucket<Instant>.interval(for: 0.5) == .seconds(2))
        #expect(TokenBucket<Instant>.interval(for: 0) == .zero)
    }
}

@Suite struct SendPacerTests {
    typealias Instant = ManualClock.Instant

    static func settings(rate: Double = 0, perHour: Int = 0, batch: Int = 0, pause: Double = 0) -> DispatchSettings {
        var s = DispatchSettings()
        s.ratePerSecond = rate
        s.maxPerHour = perHour
        s.batchSize = batch
        s.pauseBetweenBatchesSeconds = pause
        return s
    }

    static func run(_ pacer: inout SendPacer<Instant>, count: Int) -> [Instant] {
        let clock = ManualClock()
        return (0..<count).map { _ in
            let slot = pacer.reserve(at: clock.now)
            clock.advance(to: slot)
            return slot
        }
    }

    @Test func hourlyCapHoldsInEverySlidingHour() {
        var pacer = SendPacer<Instant>(settings: Self.settings(rate: 0, perHour: 100))
        let sends = Self.run(&pacer, count: 350)
        #expect(TokenBucketTests.maxInAnyWindow(sends, window: .seconds(3600)) == 100)
        #expect(sends[99].offset == .zero)
        #expect(sends[100].offset == .seconds(3600))
        #expect(sends[349].offset == .seconds(3 * 3600))
    }

    @Test func hourlyCapCombinesWithTheRate() {
        var pacer = SendPacer<Instant>(settings: Self.settings(rate: 1, perHour: 100))
        let sends = Self.run(&pacer, count: 201)
        #expect(sends[99].offset == .seconds(99))
        // The 101st waits until the first one leaves the hour window.
        #expect(sends[100].offset == .seconds(3600))
        #expect(sends[200].offset == .seconds(7200))
        #expect(TokenBucketTests.maxInAnyWindow(sends, window: .seconds(3600)) <= 100)
        #expect(TokenBucketTests.maxInAnyWindow(sends, window: .seconds(1)) <= 1)
    }

    @Test func batchesPauseBetweenThem() {
        var pacer = SendPacer<Instant>(settings: Self.settings(rate: 2, batch: 10, pause: 30))
        let sends = Self.run(&pacer, count: 25)
        #expect(sends[9].offset == .milliseconds(4500))
        #expect(sends[10].offset == .milliseconds(34_500))
        #expect(sends[19].offset == .milliseconds(39_000))
        #expect(sends[20].offset == .milliseconds(69_000))
        #expect(pacer.reserved == 25)
    }

    @Test func slowDownHalvesDownToAFloorAndRecovers() {
        var pacer = SendPacer<Instant>(settings: Self.settings(rate: 16))
        pacer.slowDown()
        #expect(pacer.currentRate == 8)
        for _ in 0..<10 { pacer.slowDown() }
        #expect(pacer.currentRate == 1)
        pacer.recover()
        #expect(pacer.currentRate == 2)
        for _ in 0..<10 { pacer.recover() }
        #expect(pacer.currentRate == 16)
        var unlimited = SendPacer<Instant>(settings: Self.settings(rate: 0))
        unlimited.slowDown()
        #expect(unlimited.currentRate == 0)
    }

    @Test func slowDownSpacesTheNextSends() {
        var pacer = SendPacer<Instant>(settings: Self.settings(rate: 10))
        let clock = ManualClock()
        let a = pacer.reserve(at: clock.now)
        pacer.slowDown()
        let b = pacer.reserve(at: clock.now)
        let c = pacer.reserve(at: clock.now)
        #expect(a.duration(to: b) == .milliseconds(100))  // booked before the slow-down
        #expect(b.duration(to: c) == .milliseconds(200))
    }

    /// After a 421 the rate comes back one doubling per quiet minute, all the way up, and a new 421 restarts the wait.
    @Test func slowedRateComesBackOneStepPerQuietPeriod() {
        var pacer = SendPacer<Instant>(settings: Self.settings(rate: 16))
        let clock = ManualClock()
        let t0 = clock.now
        pacer.slowDown(at: t0)
        pacer.slowDown(at: t0)
        #expect(pacer.currentRate == 4)
        _ = pacer.reserve(at: t0.advanced(by: .seconds(59)))
        #expect(pacer.currentRate == 4)
        _ = pacer.reserve(at: t0.advanced(by: .seconds(60)))
        #expect(pacer.currentRate == 8)
        // Pushed back again 30 s later: halved, and the next step waits a full quiet period from there.
        pacer.slowDown(at: t0.advanced(by: .seconds(90)))
        #expect(pacer.currentRate == 4)
        _ = pacer.reserve(at: t0.advanced(by: .seconds(149)))
        #expect(pacer.currentRate == 4)
        _ = pacer.reserve(at: t0.advanced(by: .seconds(150)))
        #expect(pacer.currentRate == 8)
        _ = pacer.reserve(at: t0.advanced(by: .seconds(210)))
        #expect(pacer.currentRate == 16)
        #expect(pacer.quietSince == nil)
        _ = pacer.reserve(at: t0.advanced(by: .seconds(400)))
        #expect(pacer.currentRate == 16)
    }
}
