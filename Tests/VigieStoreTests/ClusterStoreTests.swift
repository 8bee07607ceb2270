import Foundation
import Testing
import VigieCore
import VigieStore

/// Stores parsed citizen reports with URLs and returns their ids.
func seedReports(_ store: Store, _ reports: [(from: String, urls: [String], at: Date)]) throws -> [Int64] {
    var ids: [Int64] = []
    for (i, r) in reports.enumerated() {
        let out = try store.commit(
            batch: [incoming(UInt32(i + 1), body: "report \(i) \(UUID())")], queue: "q",
            mailbox: "box", uidValidity: 1, lastUID: UInt32(i + 1), now: r.at)
        guard case .inserted(let id) = out[0] else { throw StoreError.notFound(what: "insert") }
        _ = try store.claimForParsing(limit: 100)
        var p = ParsedMessage()
        p.from = MailAddress(address: r.from)
        p.subject = "Signalement \(i)"
        p.text = "Je vous signale ce contenu haineux numéro \(i)."
        try store.saveParsed([
            ParseOutcome(
                messageID: id, status: .parsed, parsed: p, urls: r.urls,
                automaticReason: nil, error: nil)
        ])
        ids.append(id)
    }
    return ids
}

/// A stand-in identity for store tests: the key is the URL's last path segment.
func assignments(_ urls: [ReportedURL]) -> [ClusterAssignment] {
    urls.map { u in
        let path = u.url.split(separator: "?")[0]
        let last = path.split(separator: "/").last.map(String.init) ?? u.url
        let account = u.url.contains("/status/") ? "x:account:" + u.url.split(separator: "/")[2] : nil
        return ClusterAssignment(
            reportID: u.reportID, position: u.position, key: "x:status:\(last)", platform: .x,
            kind: .post, accountKey: account, canonicalURL: "https://x.com/i/status/\(last)",
            reporter: u.reporter, receivedAt: u.receivedAt)
    }
}

@Suite struct ClusterStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func distinctReportersDriveRankingAndRebuildMatchesIncremental() throws {
        let t = try TempStore()
        let old = now.addingTimeInterval(-3 * 86_400)
        _ = try seedReports(
            t.store,
            [
                ("jean@exemple.fr", ["https://x.com/a/status/1"], old),
                ("Jean+again@Exemple.fr", ["https://twitter.com/a/status/1?s=20"], old),  // same person, counts once
                ("jean@exemple.fr", ["https://x.com/a/status/1"], old),
                ("marie@exemple.fr", ["https://x.com/b/status/2"], now),
                ("paul@exemple.fr", ["https://x.com/b/status/2"], now),
            ])
        // Incremental: as intake does it, batch by batch, counts grown by deltas.
        let ids = try t.store.unclusteredURLs().map(\.reportID)
        for batch in [Array(ids.prefix(2)), Array(ids.dropFirst(2))] {
            try t.store.assignClusters(
                assignments(try t.store.unclusteredURLs(reportIDs: batch)), fresh: true, now: now)
        }
        let incremental = try t.store.clusters(now: now)
        #expect(incremental.map(\.key) == ["x:status:2", "x:status:1"])
        #expect(incremental[1].reports == 3)
        #expect(incremental[1].reporters == 1)
        #expect(incremental[0].reporters == 2)
        #expect(incremental[0].recentReporters == 2)
        #expect(incremental[1].urls == ["https://x.com/a/status/1", "https://twitter.com/a/status/1?s=20"])
        #expect(try t.store.unclusteredURLs().isEmpty)

        try t.store.assignClusters(assignments(try t.store.allReportedURLs()), rebuild: true, now: now)
        let rebuilt = try t.store.clusters(now: now)
        #expect(rebuilt == incremental)
    }

    /// `clusters(limit:)` ranks in SQLite and reads only the candidates: it must list exactly what ranking every
    /// cluster gives, whatever the weights (80 clusters: more than the margin of candidates read for a limit of 5).
    @Test(arguments: [
        PriorityWeights(),
        PriorityWeights(reporters: 1, velocity: 6, recency: 4, recencyHalfLifeHours: 3),
        PriorityWeights(reporters: 0.5, velocity: 0, recency: 9, recencyHalfLifeHours: 48),
        PriorityWeights(reporters: 1, velocity: 2, recency: 1, recencyHalfLifeHours: 0),
    ])
    func limitedListingRanksLikeTheFullOne(weights: PriorityWeights) throws {
        let t = try TempStore()
        var reports: [(from: String, urls: [String], at: Date)] = []
        for j in 0..<80 {
            for r in 0..<((j * 7) % 6 + 1) {
                let hours = Double((j * 37 + r * 11) % 100)
                reports.append(("c\((j + r) % 9)@exemple.fr", ["https://x.com/a/status/\(j)"], now - hours * 3600))
            }
        }
        _ = try seedReports(t.store, reports)
        try t.store.assignClusters(assignments(try t.store.unclusteredURLs()), fresh: true, now: now)
        let all = try t.store.clusters(weights: weights, now: now)
        #expect(all.count == 80)
        for limit in [0, 1, 5, 50] {
            #expect(try t.store.clusters(limit: limit, weights: weights, now: now) == Array(all.prefix(limit)))
        }
        let newOnes = try t.store.clusters(status: .new, limit: 5, weights: weights, now: now)
        #expect(newOnes == Array(try t.store.clusters(status: .new, weights: weights, now: now).prefix(5)))
    }

    @Test func moderationWorkflowIsAuditedAndRefusesIllegalMoves() throws {
        let t = try TempStore()
        _ = try seedReports(t.store, [("a@b.fr", ["https://x.com/a/status/9"], now)])
        try t.store.assignClusters(assignments(try t.store.unclusteredURLs()), now: now)
        let id = try #require(try t.store.clusters().first?.id)
        let offences = ModerationRules(knownOffences: ["injure-raciale"])

        #expect(throws: ModerationError.self) {
            try t.store.moderate(
                clusterID: id, change: ModerationChange(to: .notified, author: "alice"),
                rules: offences)
        }
        #expect(throws: ModerationError.self) {
            try t.store.moderate(
                clusterID: id,
                change: ModerationChange(
                    to: .qualified, offence: "inconnu",
                    author: "alice"), rules: offences)
        }
        try t.store.moderate(
            clusterID: id,
            change: ModerationChange(
                to: .qualified, offence: "injure-raciale",
                note: "propos injurieux", author: "alice"),
            rules: offences, now: now)
        try t.store.moderate(
            clusterID: id,
            change: ModerationChange(
                to: .notified, platformRef: "X-123",
                channel: "formulaire", author: "bob"),
            rules: offences, now: now)
        try t.store.moderate(
            clusterID: id, change: ModerationChange(to: .removed, author: "bob"),
            rules: offences, now: now)
        #expect(throws: ModerationError.self) {
            try t.store.moderate(
                clusterID: id, change: ModerationChange(to: .online, author: "bob"),
                rules: offences)
        }
        let d = try #require(try t.store.cluster(id: id, includeReporters: false))
        #expect(d.summary.status == .removed)
        #expect(d.summary.offence == "injure-raciale")
        #expect(d.summary.platformRef == "X-123")
        #expect(d.events.map(\.to) == [.qualified, .notified, .removed])
        #expect(d.events.map(\.author) == ["alice", "bob", "bob"])
        #expect(d.reportList.first?.reporter == nil)
        #expect(try t.store.cluster(id: id, includeReporters: true)?.reportList.first?.reporter == "a@b.fr")

        // A rebuild keeps the moderation state.
        try t.store.assignClusters(assignments(try t.store.allReportedURLs()), rebuild: true, now: now)
        #expect(try t.store.clusters().first?.status == .removed)
    }

    @Test func accountsGroupTheirPosts() throws {
        let t = try TempStore()
        _ = try seedReports(
            t.store,
            [
                ("a@b.fr", ["https://x.com/troll/status/1"], now),
                ("c@d.fr", ["https://x.com/troll/status/2"], now),
                ("a@b.fr", ["https://x.com/troll/status/2"], now),
                ("e@f.fr", ["https://x.com/other/status/3"], now),
            ])
        try t.store.assignClusters(assignments(try t.store.unclusteredURLs()), now: now)
        let accounts = try t.store.accounts()
        #expect(accounts.first?.key == "x:account:troll")
        #expect(accounts.first?.posts == 2)
        #expect(accounts.first?.reporters == 2)
        #expect(accounts.first?.reports == 3)
    }
}

/// Intake's set-wise linking, batch after batch, against a rebuild of the same reports.
@Suite struct FreshLinkingTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: [1, 3, 17, 200])
    func batchesLinkedSetWiseCountLikeARebuild(batchSize: Int) throws {
        let t = try TempStore()
        var reports: [(from: String, urls: [String], at: Date)] = []
        for r in 0..<90 {
            // One to three URLs over twelve contents, sometimes the same content twice in one report.
            let urls = (0..<(r * 7 % 3 + 1)).map { k -> String in
                let c = (r * 5 + k * 7 * (r % 2) + batchSize) % 12
                return c % 4 == 0 ? "https://x.com/u\(c % 3)/status/\(c)" : "https://exemple.fr/page/\(c)?v=\(c)"
            }
            reports.append(("c\(r * 3 % 7)@exemple.fr", urls, now - Double(r * 7919 % 200_000)))
        }
        _ = try seedReports(t.store, reports)
        // Later batches meet the clusters earlier ones created: their counts grow by deltas.
        let reportIDs = Array(Set(try t.store.unclusteredURLs().map(\.reportID))).sorted()
        for start in stride(from: 0, to: reportIDs.count, by: batchSize) {
            let batch = Array(reportIDs[start..<min(start + batchSize, reportIDs.count)])
            try t.store.assignClusters(
                assignments(try t.store.unclusteredURLs(reportIDs: batch)), fresh: true, now: now)
        }
        #expect(try t.store.unclusteredURLs().isEmpty)
        let incremental = try t.store.clusters(now: now)
        #expect(incremental.count == 12)
        #expect(incremental.contains { $0.reporters > 1 && $0.reports > $0.reporters })
        try t.store.assignClusters(assignments(try t.store.allReportedURLs()), rebuild: true, now: now)
        #expect(try t.store.clusters(now: now) == incremental)
    }
}

/// Each of intake's three count updates (a known reporter again, a new reporter, an earlier arrival) on its own.
@Suite struct FreshCountUpdateTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func knownReporterNewReporterAndEarlierArrivalEachCountLikeARebuild() throws {
        let t = try TempStore()
        let url = "https://x.com/a/status/1"
        let plan: [(from: String, at: Date)] = [
            ("jean@exemple.fr", now - 3_600),  // creates the cluster
            ("jean@exemple.fr", now - 1_800),  // known reporter: reporters kept, reports and last move
            ("marie@exemple.fr", now - 900),  // new reporter
            ("paul@exemple.fr", now - 7_200),  // arrives out of order: first moves back, last stays
        ]
        let ids = try seedReports(t.store, plan.map { ($0.from, [url], $0.at) })
        var seen: [(reports: Int, reporters: Int, first: Date?, last: Date?)] = []
        for id in ids {
            try t.store.assignClusters(
                assignments(try t.store.unclusteredURLs(reportIDs: [id])), fresh: true, now: now)
            let c = try #require(try t.store.clusters(now: now).first)
            seen.append((c.reports, c.reporters, c.firstReported, c.lastReported))
        }
        #expect(seen.map(\.reports) == [1, 2, 3, 4])
        #expect(seen.map(\.reporters) == [1, 1, 2, 3])
        #expect(seen.map(\.first) == [now - 3_600, now - 3_600, now - 3_600, now - 7_200])
        #expect(seen.map(\.last) == [now - 3_600, now - 1_800, now - 900, now - 900])
        let incremental = try t.store.clusters(now: now)
        try t.store.assignClusters(assignments(try t.store.allReportedURLs()), rebuild: true, now: now)
        #expect(try t.store.clusters(now: now) == incremental)
    }
}
