import Foundation
import Testing
import VigieCore

/// Opt-in throughput check: `VIGIE_BENCH=1 [VIGIE_BENCH_MIN=200000] swift test -c release --filter Throughput`.
@Suite("Identity throughput", .enabled(if: ProcessInfo.processInfo.environment["VIGIE_BENCH"] != nil))
struct IdentityThroughputTests {
    @Test("identifies URLs fast enough on one core")
    func throughput() {
        let urls = IdentityCases.all.map(\.url)
        let rounds = 2_000
        var checksum = 0
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<rounds {
                for url in urls { checksum &+= ContentIdentifier.identify(url)?.key.utf8.count ?? 0 }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(rounds * urls.count) / seconds
        print("content identity: \(Int(rate)) URLs/s (checksum \(checksum))")
        let minimum = Double(ProcessInfo.processInfo.environment["VIGIE_BENCH_MIN"] ?? "") ?? 0
        #expect(rate >= minimum)
    }
}
