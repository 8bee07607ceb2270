import Foundation
import GRDB
import Testing
import VigieCore

@testable import VigieStore

/// `link_checks` and the rechecks' schedule as the store reads it, on a manual clock: which clusters are due, from
/// which anchor, with which URLs.
@Suite struct LinkCheckStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let rules = ModerationRules(knownOffences: ["injure"])

    func seed(_ s: TempStore) throws -> (qualified: Int64, notified: Int64, removed: Int64, new: Int64) {
        let urls = [
            "https://x.com/a/status/1", "https://x.com/a/status/2", "https://x.com/a/status/3",
            "https://x.com/a/status/4",
        ]
        _ = try seedReports(
            s.store,
            [
                (from: "a@x.fr", urls: [urls[0], urls[0] + "?s=20"], at: t0), (from: "b@x.fr", urls: [urls[1]], at: t0),
                (from: "c@x.fr", urls: [urls[2]], at: t0), (from: "d@x.fr", urls: [urls[3]], at: t0),
            ])
        try s.store.assignClusters(assignments(try s.store.unclusteredURLs()), fresh: true, now: t0)
        let ids = try s.store.clusters().sorted { $0.key < $1.key }.map(\.id)
        func move(_ id: Int64, _ to: ModerationStatus, _ at: Date) throws {
            try s.store.moderate(
                clusterID: id,
                change: ModerationChange(to: to, offence: to == .qualified ? "injure" : nil, author: "m"),
                rules: rules, now: at)
        }
        try move(ids[0], .qualified, t0.addingTimeInterval(100))
        try move(ids[1], .qualified, t0)
        try move(ids[1], .notified, t0.addingTimeInterval(1000))
        try move(ids[2], .qualified, t0)
        try move(ids[2], .notified, t0)
        try move(ids[2], .removed, t0.addingTimeInterval(50))
        return (ids[0], ids[1], ids[2], ids[3])
    }

    @Test func dueClustersFollowTheirAnchorAndLastCheck() throws {
        let s = try TempStore()
        let c = try seed(s)
        let schedule = RecheckSchedule.standard
        func due(_ seconds: Double) throws -> [Int64] {
            try s.store.recheckTargets(due: (schedule, t0.addingTimeInterval(seconds))).map(\.clusterID)
        }
        // Qualified at +100 s → due at +3700; notified at +1000 → due at +4600. Removed and new ones never.
        #expect(try due(3699) == [])
        #expect(try due(3700) == [c.qualified])
        #expect(try due(4600) == [c.qualified, c.notified])  // oldest slot first
        let all = try s.store.recheckTargets()
        #expect(Set(all.map(\.clusterID)) == [c.qualified, c.notified])
        // The URLs as citizens wrote them, distinct.
        let q = try #require(all.first { $0.clusterID == c.qualified })
        #expect(q.urls == ["https://x.com/a/status/1", "https://x.com/a/status/1?s=20"])
        #expect(q.anchor == t0.addingTimeInterval(100) && q.lastChecked == nil)

        // Checked at +4600: the next slot is 6 h after the anchor.
        let check = LinkCheck(
            url: q.urls[0], checkedAt: t0.addingTimeInterval(4600), httpStatus: 404, finalURL: q.urls[0],
            verdict: .removed, detail: "HTTP 404", method: .oembed)
        try s.store.recordLinkChecks(clusterID: c.qualified, [check])
        #expect(try due(4600) == [c.notified])
        #expect(try due(100 + 6 * 3600) == [c.notified, c.qualified])
        #expect(try s.store.linkChecks(clusterID: c.qualified) == [check])
        #expect(try s.store.recheckTargets(ids: [c.removed, c.new]).count == 2)  // by hand: any status
    }

    @Test func theTableRefusesUnknownVerdictsAndMethods() throws {
        let s = try TempStore()
        let c = try seed(s)
        for (column, value) in [("verdict", "maybe"), ("method", "ftp")] {
            #expect(throws: DatabaseError.self) {
                try s.store.pool.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO link_checks (cluster_id, url, checked_at, verdict, method)
                            VALUES (?, 'u', 1, ?, ?)
                            """,
                        arguments: [
                            c.notified, column == "verdict" ? value : "online", column == "method" ? value : "http",
                        ])
                }
            }
        }
        #expect(try s.store.appliedMigrations().contains("v10-link-checks"))
    }
}
