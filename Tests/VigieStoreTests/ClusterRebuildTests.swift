import Foundation
import GRDB
import Testing
import VigieCore

@testable import VigieStore

/// 150 reports of 1–3 URLs over 30 contents (one in 30 is garbage) by 12 reporters, over the 100 hours before `now`.
func randomReports(seed: UInt64, now: Date) -> [(from: String, urls: [String], at: Date)] {
    var rng = SeededGenerator(state: seed)
    var out: [(from: String, urls: [String], at: Date)] = []
    for i in 0..<150 {
        var urls: [String] = []
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let c = Int.random(in: 0..<30, using: &rng)
            urls.append(c == 29 ? "https://garbage.example/\(i)" : "https://x.com/a/status/\(c)")
        }
        let at = now - Double(Int.random(in: 0...200, using: &rng)) * 1800
        out.append(("c\(Int.random(in: 0..<12, using: &rng))@exemple.fr", urls, at))
    }
    return out
}

/// The streaming rebuild, which writes only what changes, against the one-pass rebuild (the oracle) on identical
/// stores: when nothing changes, when a few links change, when every link changes (indexes dropped and rebuilt),
/// when counters were damaged, and the search index after each; and a rebuild that fails half-way changes nothing.
@Suite struct ClusterRebuildTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// Two identical stores: intake-linked with `spreadAssignments`, two clusters qualified.
    func twoStores(linked: Bool = true) throws -> [TempStore] {
        let stores = [try TempStore(), try TempStore()]
        let rules = ModerationRules(knownOffences: ["injure"])
        for t in stores {
            _ = try seedReports(t.store, randomReports(seed: 7, now: now))
            guard linked else { continue }
            try t.store.assignClusters(spreadAssignments(try t.store.unclusteredURLs()), fresh: true, now: now)
            for id in try t.store.clusters(now: now).map(\.id).filter({ $0 % 7 == 3 }).prefix(2) {
                try t.store.moderate(
                    clusterID: id, change: ModerationChange(to: .qualified, offence: "injure", author: "m"),
                    rules: rules, now: now)
            }
        }
        return stores
    }

    /// Every row a rebuild writes or keeps, the search index's own entries (terms by row and column, through
    /// fts5vocab) and the schema (indexes dropped and rebuilt come back the same).
    func snapshot(_ store: Store) throws -> [String: [Row]] {
        try store.pool.write { db in
            try db.execute(
                sql: """
                    CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_terms
                        USING fts5vocab('main', 'cluster_search', 'instance');
                    """)
            // The index agrees with its content table (an external-content table can drift silently).
            try db.execute(sql: "INSERT INTO cluster_search (cluster_search, rank) VALUES ('integrity-check', 1)")
            var out: [String: [Row]] = [:]
            for sql in [
                "SELECT * FROM clusters ORDER BY id",
                "SELECT * FROM cluster_reporters ORDER BY cluster_id, reporter",
                "SELECT report_id, position, cluster_id FROM report_urls ORDER BY report_id, position",
                "SELECT term, doc, col, offset FROM temp.search_terms ORDER BY doc, col, offset, term",
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
            ] {
                out[sql] = try Row.fetchAll(db, sql: sql)
            }
            return out
        }
    }

    func expectSame(_ stores: [TempStore], _ comment: String) throws {
        let a = try snapshot(stores[0].store)
        let b = try snapshot(stores[1].store)
        for (sql, rows) in a {
            #expect(rows == b[sql], "\(comment): \(sql)")
            #expect(!rows.isEmpty, "\(comment): \(sql)")
        }
    }

    /// The oracle on store 0, the streaming rebuild in chunks of `chunk` on store 1.
    func rebuildBoth(
        _ stores: [TempStore], chunk: Int = 7, _ identity: @escaping ([ReportedURL]) -> [ClusterAssignment]
    ) throws {
        try stores[0].store.assignClusters(identity(try stores[0].store.allReportedURLs()), rebuild: true, now: now)
        try stores[1].store.linkAtomically(.all, rebuild: true, now: now, rebuildChunk: chunk) { urls, _, _ in
            (identity(urls), [])
        }
    }

    /// The number of links a rebuild with `identity` changes in `store` (which path the rebuild takes).
    func linksChanged(_ store: Store, _ identity: ([ReportedURL]) -> [ClusterAssignment]) throws -> (Int, Int) {
        try store.pool.read { db in
            let ids = Dictionary(
                try Row.fetchAll(db, sql: "SELECT key, id FROM clusters").map { ($0[0] as String, $0[1] as Int64) },
                uniquingKeysWith: { a, _ in a })
            let current = Dictionary(
                try Row.fetchAll(db, sql: "SELECT rowid, cluster_id FROM report_urls").map {
                    ($0[0] as Int64, $0[1] as Int64?)
                }, uniquingKeysWith: { a, _ in a })
            let assigned = identity(try store.allReportedURLs(db))
            // A key with no cluster yet is a new cluster: its links change.
            let changed = assigned.filter { a in
                a.key.isEmpty ? current[a.rowID!]! != nil : ids[a.key].map { current[a.rowID!]! != $0 } ?? true
            }
            return (changed.count, assigned.count)
        }
    }

    /// Contents whose number ends in `digits` become garbage; 1 merges into 2.
    func shifted(_ digits: [Character]) -> ([ReportedURL]) -> [ClusterAssignment] {
        { urls in
            spreadAssignments(
                urls.map { u in
                    var u = u
                    if let d = u.url.last, digits.contains(d), u.url.contains("status") {
                        u.url = "https://garbage.example/x"
                    }
                    if u.url.hasSuffix("/status/1") { u.url = "https://x.com/a/status/2" }
                    return u
                })
        }
    }

    @Test func aRebuildThatChangesNothingOrAFewLinksWritesWhatTheOracleWrites() throws {
        let stores = try twoStores()
        #expect(try linksChanged(stores[1].store, spreadAssignments).0 == 0)
        try rebuildBoth(stores, spreadAssignments)
        try expectSame(stores, "same identity")
        // A few contents change (under a quarter of the links): the links are updated in place.
        let few = shifted(["3"])
        let (changed, total) = try linksChanged(stores[1].store, few)
        #expect(changed > 0 && changed * 4 <= total, "\(changed) of \(total)")
        try rebuildBoth(stores, few)
        try expectSame(stores, "a few links")
        #expect(try stores[1].store.clusters(now: now).filter { $0.status == .qualified }.count == 2)
    }

    @Test func aRebuildThatChangesMostLinksRebuildsTheIndexesAndWritesWhatTheOracleWrites() throws {
        // Never linked before: every link is new.
        let fresh = try twoStores(linked: false)
        #expect(try linksChanged(fresh[1].store, spreadAssignments).0 > 0)
        try rebuildBoth(fresh, spreadAssignments)
        try expectSame(fresh, "first rebuild")
        // Most contents become garbage or merge.
        let stores = try twoStores()
        let most = shifted(["0", "1", "2", "3", "4", "5", "6"])
        let (changed, total) = try linksChanged(stores[1].store, most)
        #expect(changed * 4 > total, "\(changed) of \(total)")
        try rebuildBoth(stores, most)
        try expectSame(stores, "most links")
        // Back to the first identity: the emptied clusters, kept or dropped, fill again.
        try rebuildBoth(stores, spreadAssignments)
        try expectSame(stores, "back")
    }

    @Test func aRebuildRepairsDamagedCountersReportersAndAccounts() throws {
        let stores = try twoStores()
        for t in stores {
            try t.store.pool.write { db in
                try db.execute(
                    sql: """
                        UPDATE clusters SET reports = reports + 5, last_reported = 1 WHERE id % 3 = 0;
                        UPDATE clusters SET reporters = 99 WHERE id % 5 = 0;
                        DELETE FROM cluster_reporters WHERE reporter = 'c1@exemple.fr';
                        UPDATE cluster_reporters SET reports = 42 WHERE reporter = 'c2@exemple.fr';
                        INSERT INTO cluster_reporters (cluster_id, reporter, first_at, last_at, reports)
                            SELECT id, 'ghost@exemple.fr', 1, 1, 1 FROM clusters WHERE id % 4 = 0;
                        UPDATE clusters SET account_key = NULL WHERE platform = 'x';
                        """)
            }
        }
        #expect(try linksChanged(stores[1].store, spreadAssignments).0 == 0)
        try rebuildBoth(stores, spreadAssignments)
        try expectSame(stores, "repaired")
        let accounts = try stores[1].store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM clusters WHERE platform = 'x' AND account_key IS NULL")
        }
        #expect(accounts == 0)
        let ghosts = try stores[1].store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM cluster_reporters WHERE reporter = 'ghost@exemple.fr'")
        }
        #expect(ghosts == 0)
    }

    /// Everything runs in one transaction: an identity failing on the third chunk (after clusters were created and
    /// search entries written) leaves every row, index and search entry as they were.
    @Test func aRebuildFailingHalfWayLeavesTheStoreAsBefore() throws {
        struct Boom: Error {}
        let cases: [(linked: Bool, identity: ([ReportedURL]) -> [ClusterAssignment])] = [
            (false, spreadAssignments), (true, spreadAssignments),
            (true, shifted(["0", "1", "2", "3", "4", "5", "6"])),
        ]
        for (linked, identity) in cases {
            let t = try twoStores(linked: linked)[0]
            let before = try snapshot(t.store)
            var calls = 0
            #expect(throws: Boom.self) {
                try t.store.linkAtomically(.all, rebuild: true, now: now, rebuildChunk: 40) { urls, _, _ in
                    calls += 1
                    if calls == 3 { throw Boom() }
                    return (identity(urls), [])
                }
            }
            #expect(calls == 3)
            #expect(try snapshot(t.store) == before)
        }
    }
}
