import Foundation
import GRDB
import Testing
import VigieCore

@testable import VigieStore

/// A repeatable generator for random stores (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A stand-in identity spreading contents over three platforms; URLs containing "garbage" are no content.
func spreadAssignments(_ urls: [ReportedURL]) -> [ClusterAssignment] {
    urls.map { u in
        if u.url.contains("garbage") {
            return ClusterAssignment.unlinked(reportID: u.reportID, position: u.position, rowID: u.rowID)
        }
        let last = String(u.url.split(separator: "?")[0].split(separator: "/").last ?? "")
        let platform: Platform = [.x, .youtube, .tiktok][(Int(last) ?? 0) % 3]
        return ClusterAssignment(
            reportID: u.reportID, position: u.position, key: "\(platform.rawValue):post:\(last)",
            platform: platform, kind: .post,
            accountKey: platform == .x ? "x:account:author\((Int(last) ?? 0) % 4)" : nil,
            canonicalURL: "https://\(platform.rawValue)/p/\(last)",
            reporter: u.reporter, receivedAt: u.receivedAt, rowID: u.rowID)
    }
}

/// The threshold walk of `clusters(limit:)` and of the console's first pages against the full ranking, and the
/// streaming rebuild against the one-pass rebuild.
@Suite struct ClusterRankingTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A store of `contents` clusters with 1 to 12 reports each, by a pool of 15 citizens, over the last 3 days
    /// (on whole hours, so equal times and equal scores occur), linked as intake links them.
    func randomStore(seed: UInt64, contents: Int = 60) throws -> TempStore {
        var rng = SeededGenerator(state: seed)
        let t = try TempStore()
        var reports: [(from: String, urls: [String], at: Date)] = []
        for c in 0..<contents {
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                let at = now - Double(Int.random(in: 0...72, using: &rng)) * 3600
                reports.append(
                    ("c\(Int.random(in: 0..<15, using: &rng))@exemple.fr", ["https://x.com/a/status/\(c)"], at))
            }
        }
        reports.shuffle(using: &rng)
        _ = try seedReports(t.store, reports)
        try t.store.assignClusters(spreadAssignments(try t.store.unclusteredURLs()), fresh: true, now: now)
        return t
    }

    static let weightSets = [
        PriorityWeights(),
        PriorityWeights(reporters: 1, velocity: 6, recency: 4, recencyHalfLifeHours: 3),
        PriorityWeights(reporters: 0.5, velocity: 0, recency: 9, recencyHalfLifeHours: 48),
        PriorityWeights(reporters: 1, velocity: 2, recency: 1, recencyHalfLifeHours: 0),
        PriorityWeights(reporters: 0, velocity: 0, recency: 0, recencyHalfLifeHours: 24),
        PriorityWeights(reporters: 0, velocity: 1, recency: 0, recencyHalfLifeHours: 24),
        PriorityWeights(reporters: 1, velocity: 0, recency: 0, recencyHalfLifeHours: 24),
        PriorityWeights(reporters: 2, velocity: -1, recency: 1, recencyHalfLifeHours: 24),
        PriorityWeights(reporters: 1, velocity: 2, recency: -3, recencyHalfLifeHours: 12),
        PriorityWeights(reporters: -1, velocity: 2, recency: 1, recencyHalfLifeHours: 24),
    ]

    @Test(arguments: weightSets)
    func limitedListingsAgreeWithTheFullRankingOnRandomStores(weights: PriorityWeights) throws {
        for seed: UInt64 in [1, 2, 3] {
            let t = try randomStore(seed: seed)
            let all = try t.store.clusters(weights: weights, now: now)
            #expect(all.count == 60)
            for limit in [1, 3, 10, 25, 59, 60, 100] {
                #expect(
                    try t.store.clusters(limit: limit, weights: weights, now: now) == Array(all.prefix(limit)),
                    "seed \(seed), limit \(limit)")
            }
            // The walk alone (no cluster scored before it) and with a few scored first: the same first k.
            for early in [0, 3] {
                let ids = try t.store.pool.read { db in
                    try t.store.rankedClusterIDs(
                        db, Store.RankingFilter(), first: 10, weights: weights, now: now, earlyScored: early)
                }
                #expect(weights.reporters < 0 ? ids == nil : ids == all.prefix(10).map(\.id), "early \(early)")
            }
            for platform in [Platform.x, .youtube] {
                let full = try t.store.clusters(platform: platform, weights: weights, now: now)
                #expect(
                    try t.store.clusters(platform: platform, limit: 7, weights: weights, now: now)
                        == Array(full.prefix(7)))
            }
        }
    }

    /// Forty clusters with the same reporters, the same last report (older than a day) and so the same priority:
    /// the cut falls inside the tie, which the oldest cluster wins; a recent cluster with ten reporters ranks above.
    @Test func tiesAtTheCutGoToTheOldestCluster() throws {
        let t = try TempStore()
        let old = now - 3 * 86_400
        var reports: [(from: String, urls: [String], at: Date)] = []
        for c in 0..<40 {
            reports.append(("a@exemple.fr", ["https://x.com/a/status/\(c)"], old))
            reports.append(("b@exemple.fr", ["https://x.com/a/status/\(c)"], old))
        }
        for r in 0..<10 { reports.append(("z\(r)@exemple.fr", ["https://x.com/a/status/99"], now)) }
        _ = try seedReports(t.store, reports)
        try t.store.assignClusters(spreadAssignments(try t.store.unclusteredURLs()), fresh: true, now: now)
        for weights in [PriorityWeights(), PriorityWeights(reporters: 1, velocity: 0, recency: 0)] {
            let all = try t.store.clusters(weights: weights, now: now)
            for limit in [1, 2, 5, 17, 41] {
                #expect(try t.store.clusters(limit: limit, weights: weights, now: now) == Array(all.prefix(limit)))
            }
        }
        // The walk stops as soon as no other cluster can reach the first: it reads one row (budget 1), not 41...
        let walked = try t.store.pool.read { db in
            try t.store.rankedClusterIDs(
                db, Store.RankingFilter(), first: 1, weights: PriorityWeights(), now: now, budget: 1)
        }
        #expect(walked == [try t.store.clusters(limit: 1, now: now)[0].id])
        let refusals = try t.store.pool.read { db in
            [
                try t.store.rankedClusterIDs(
                    db, Store.RankingFilter(), first: 5, weights: PriorityWeights(), now: now, budget: 2),
                try t.store.rankedClusterIDs(
                    db, Store.RankingFilter(), first: 5, weights: PriorityWeights(reporters: -1), now: now),
            ]
        }
        #expect(refusals == [nil, nil])
        let top = try t.store.clusters(limit: 3, now: now)
        #expect(top.first?.key == "x:post:99")
        #expect(top[1].id < top[2].id)
    }

    /// The console's pages (threshold walk for the first pages) under each filter, against the full ranking
    /// filtered in Swift.
    @Test func consolePagesAgreeWithTheFullRankingUnderFilters() throws {
        let t = try randomStore(seed: 9)
        let rules = ModerationRules(knownOffences: ["injure", "menace"])
        let all = try t.store.clusters(now: now)
        for (i, c) in all.enumerated() where i % 3 == 1 {
            try t.store.moderate(
                clusterID: c.id,
                change: ModerationChange(to: .qualified, offence: i % 2 == 0 ? "injure" : "menace", author: "m"),
                rules: rules, now: now)
        }
        let ranked = try t.store.clusters(now: now)
        let since = now - 30 * 3600
        let until = now - 40 * 3600
        let cases: [(ClusterQuery, (ClusterSummary) -> Bool)] = [
            (ClusterQuery(), { _ in true }),
            (ClusterQuery(status: .qualified), { $0.status == .qualified }),
            (ClusterQuery(status: .new, platform: .tiktok), { $0.status == .new && $0.platform == .tiktok }),
            (ClusterQuery(offence: "menace"), { $0.offence == "menace" }),
            (ClusterQuery(since: since), { $0.lastReported! >= since }),
            (ClusterQuery(until: until), { $0.firstReported! < until }),
        ]
        for (query, keep) in cases {
            let expected = ranked.filter(keep).map(\.id)
            #expect(!expected.isEmpty)
            var got: [Int64] = []
            var q = query
            q.limit = 4
            while q.offset < expected.count + 4 {
                let page = try t.store.consoleClusters(q, now: now)
                #expect(page.total == expected.count)
                got += page.rows.map(\.id)
                q.offset += q.limit
            }
            #expect(got == expected, "\(query)")
        }
    }

    /// The rebuild in chunks (chunks that split reports) gives the clusters, counts, reporters and moderation state
    /// the one-pass rebuild gives, on two identical stores, also when identities change under it.
    @Test func streamingRebuildMatchesTheOnePassRebuild() throws {
        let reports = randomReports(seed: 42, now: now)
        let stores = [try TempStore(), try TempStore()]
        let rules = ModerationRules(knownOffences: ["injure"])
        for t in stores {
            _ = try seedReports(t.store, reports)
            try t.store.assignClusters(spreadAssignments(try t.store.unclusteredURLs()), fresh: true, now: now)
            // Two clusters moderators worked on, and which the second identity below empties.
            for id in try t.store.clusters(now: now).map(\.id).filter({ $0 % 7 == 3 }).prefix(2) {
                try t.store.moderate(
                    clusterID: id, change: ModerationChange(to: .qualified, offence: "injure", author: "m"),
                    rules: rules, now: now)
            }
        }
        // The second identity: every content whose number ends in 3 or 7 is no content any more, 1 merges into 2.
        func shifted(_ urls: [ReportedURL]) -> [ClusterAssignment] {
            spreadAssignments(
                urls.map { u in
                    var u = u
                    if u.url.hasSuffix("3") || u.url.hasSuffix("7") { u.url = "https://garbage.example/x" }
                    if u.url.hasSuffix("/1") { u.url = "https://x.com/a/status/2" }
                    return u
                })
        }
        for identity in [spreadAssignments, shifted] {
            try stores[0].store.assignClusters(identity(try stores[0].store.allReportedURLs()), rebuild: true, now: now)
            try stores[1].store.linkAtomically(.all, rebuild: true, now: now, rebuildChunk: 2) { urls, _, _ in
                (identity(urls), [])
            }
            let expected = try stores[0].store.clusters(now: now)
            #expect(try stores[1].store.clusters(now: now) == expected)
            // Every stored row alike: clusters (moderated ones kept even when emptied), reporters, links.
            for sql in [
                "SELECT * FROM clusters ORDER BY id",
                "SELECT * FROM cluster_reporters ORDER BY cluster_id, reporter",
                "SELECT report_id, position, cluster_id FROM report_urls ORDER BY report_id, position",
            ] {
                let a = try stores[0].store.pool.read { db in try Row.fetchAll(db, sql: sql) }
                let b = try stores[1].store.pool.read { db in try Row.fetchAll(db, sql: sql) }
                #expect(a == b, "\(sql)")
                #expect(!a.isEmpty)
            }
            let statuses = try stores[1].store.pool.read { db in
                try String.fetchAll(db, sql: "SELECT status FROM clusters")
            }
            #expect(statuses.filter { $0 == "qualified" }.count == 2)
        }
    }

    /// Search by a piece of canonical URL or account (trigram index kept by triggers), by a reported URL exactly as
    /// written, and by a piece too short for trigrams; new, changed and deleted clusters are found or not at once.
    @Test func searchFindsPiecesOfURLsAndAccountsAndExactReportedURLs() throws {
        let t = try TempStore()
        let ids = try seedReports(
            t.store,
            [
                ("e@exemple.fr", ["https://x.com/a/status/57"], now),
                ("a@exemple.fr", ["https://x.com/a/status/10?s=20"], now),
                ("b@exemple.fr", ["https://x.com/a/status/12"], now),
                ("c@exemple.fr", ["https://x.com/a/status/18"], now - 3600),
                ("d@exemple.fr", ["https://x.com/a/status/22"], now),
            ])
        try t.store.assignClusters(
            spreadAssignments(try t.store.unclusteredURLs(reportIDs: Array(ids.dropFirst()))), fresh: true, now: now)
        func found(_ text: String) throws -> [String] {
            let page = try t.store.consoleClusters(ClusterQuery(search: text), now: now)
            #expect(page.total == page.rows.count)
            return page.rows.map(\.key).sorted()
        }
        // Each cluster by a piece of its canonical URL, in any case.
        let all = try t.store.clusters(now: now)
        for c in all {
            let piece = String(c.canonicalURL.suffix(9))
            #expect(try found(piece).contains(c.key), "\(piece)")
            #expect(try found(piece.uppercased()).contains(c.key))
        }
        #expect(try found("/p/1") == all.filter { $0.canonicalURL.contains("/p/1") }.map(\.key).sorted())
        #expect(try found("author2") == ["x:post:18"])
        #expect(try found("author") == ["x:post:12", "x:post:18"])
        #expect(try found("https://x.com/a/status/10?s=20") == [all.first { $0.canonicalURL.hasSuffix("/10") }!.key])
        #expect(try found("status/10?s=2").isEmpty)  // a piece of a reported URL is no exact URL
        #expect(try found("22") == all.filter { $0.key.contains("22") }.map(\.key).sorted())
        #expect(try found("\"p/1").isEmpty)
        #expect(try found("zzzz").isEmpty)
        // A new cluster is searchable at once; a cluster the rebuild drops is not found any more.
        #expect(try found("/p/57").isEmpty)
        try t.store.assignClusters(spreadAssignments(try t.store.unclusteredURLs()), fresh: true, now: now)
        #expect(try found("/p/57").count == 1)
        try t.store.linkAtomically(.all, rebuild: true, now: now) { urls, _, _ in
            (
                spreadAssignments(
                    urls.map {
                        var u = $0; if u.url.hasSuffix("57") { u.url = "garbage" }; return u
                    }), []
            )
        }
        #expect(try found("/p/57").isEmpty)
        #expect(try found("/p/22").count == 1)
    }
}
