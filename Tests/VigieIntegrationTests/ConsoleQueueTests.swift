import Foundation
import Logging
import Testing
import VigieApp
import VigieCore
import VigieStore

/// The console's queue, ranked in SQL with a bound on which clusters are scored, gives exactly the order of
/// `clusters list` (ranked in Swift over every cluster), page after page and under filters.
@Suite struct ConsoleQueueTests {
    @Test func pagesFollowTheRankingOfClustersList() throws {
        let store = try Store(path: NSTemporaryDirectory() + "vigie-queue-\(UUID().uuidString)/vigie.sqlite")
        var rng = SystemRandomNumberGenerator()
        var reports: [(from: String, url: String)] = []
        // 40 contents, reported by 1 to 12 distinct citizens each (some twice by the same one).
        for c in 0..<40 {
            let n = Int.random(in: 1...12, using: &rng)
            for r in 0..<n {
                reports.append(("c\(r)@x.fr", "https://www.youtube.com/watch?v=\(String(format: "video%06d", c))"))
                if r % 4 == 0 { reports.append(("c\(r)@x.fr", "https://youtu.be/\(String(format: "video%06d", c))")) }
            }
        }
        _ = try storeReports(store, reports.shuffled(using: &rng))
        let service = ClusterService(
            store: store, settings: ClusterSettings(resolveShortLinks: false), logger: Logger(label: "t"))
        try service.rebuild()
        let now = Date()
        let expected = try store.clusters(now: now).map(\.id)
        #expect(expected.count == 40)
        for size in [1, 7, 50] {
            var got: [Int64] = []
            var offset = 0
            while offset < expected.count {
                let page = try store.consoleClusters(ClusterQuery(offset: offset, limit: size), now: now)
                #expect(page.total == 40)
                got += page.rows.map(\.id)
                offset += size
            }
            #expect(got == expected, "pages of \(size)")
        }
        let matching = try store.clusters(now: now).filter { $0.canonicalURL.contains("video00001") }.map(\.id)
        #expect(matching.count == 10)
        let filtered = try store.consoleClusters(
            ClusterQuery(platform: .youtube, search: "video00001", limit: 5), now: now)
        #expect(filtered.total == 10)
        #expect(filtered.rows.map(\.id) == Array(matching.prefix(5)))
    }
}
