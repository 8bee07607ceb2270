import Foundation
import GRDB
import Testing
import VigieCore

@testable import VigieStore

/// Which reported URLs the evidence fetcher takes next: each (cluster, URL) once, past a mark that an existing
/// database sets at its newest report, never past a report still waiting to be linked.
@Suite struct EvidenceStoreTests {
    /// Report `id` citing `url`, linked to cluster `cluster` (nil: not linked yet, waiting in reports_to_link).
    static func report(_ db: Database, _ id: Int64, _ url: String, cluster: Int64?) throws {
        try db.execute(
            sql: """
                INSERT INTO messages (id, mailbox, queue, role, uid_validity, uid, sha256, size, received_at, status)
                VALUES (?, 'm', 'reports', 'reports', 1, ?, ?, 1, ?, 'parsed')
                """, arguments: [id, id, "sha-\(id)", 1_800_000_000 + Double(id)])
        try db.execute(sql: "INSERT INTO reports (message_id, reporter) VALUES (?, ?)", arguments: [id, "r\(id)@x.fr"])
        if let cluster {
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO clusters (id, key, platform, kind, canonical_url) VALUES (?, ?, 'web', 'page', ?)
                    """, arguments: [cluster, "web:c\(cluster)", url])
        }
        try db.execute(
            sql: "INSERT INTO report_urls (report_id, position, url, cluster_id) VALUES (?, 0, ?, ?)",
            arguments: [id, url, cluster])
        if cluster == nil { try db.execute(sql: "INSERT INTO reports_to_link (report_id) VALUES (?)", arguments: [id]) }
    }

    static func snapshot(_ url: String) -> PageSnapshot {
        PageSnapshot(
            url: url, fetchedAt: Date(), status: 200, finalURL: url, headers: "HTTP/1.1 200 OK\r\n", body: [1, 2, 3],
            truncated: false, error: nil)
    }

    @Test func anExistingDatabaseStartsWithWhatComesNext() throws {
        let dir = NSTemporaryDirectory() + "vigie-evidence-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: dir + "/vigie.sqlite")
        try Store.migrator.migrate(queue, upTo: "v9-scheduled-editions")
        try queue.write { db in
            for id in Int64(1)...3 { try Self.report(db, id, "https://old.example/\(id)", cluster: id) }
        }
        try queue.close()
        let store = try Store(path: dir + "/vigie.sqlite", mode: .mustExist)
        #expect(try store.dueEvidence() == nil, "history is not fetched")
        try store.pool.write { db in try Self.report(db, 4, "https://new.example/4", cluster: 4) }
        let batch = try #require(try store.dueEvidence())
        #expect(batch.items.map(\.url) == ["https://new.example/4"])
        #expect(batch.throughReportID == 4)
    }

    @Test func eachURLOncePerClusterAndNeverPastAReportWaitingToBeLinked() throws {
        let t = try TempStore()
        try t.store.pool.write { db in
            try Self.report(db, 1, "https://a.example/p", cluster: 1)
            try Self.report(db, 2, "https://a.example/p", cluster: 1)  // the same URL again: once
            try Self.report(db, 3, "https://b.example/q", cluster: 2)
            try Self.report(db, 4, "https://c.example/r", cluster: nil)  // not linked yet
            try Self.report(db, 5, "https://d.example/s", cluster: 3)
        }
        let first = try #require(try t.store.dueEvidence())
        #expect(first.items.map(\.url) == ["https://a.example/p", "https://b.example/q"])
        #expect(first.throughReportID == 3)
        #expect(
            try t.store.saveEvidence(
                first.items.map { ($0.clusterID, Self.snapshot($0.url), "sha") }, throughReportID: first.throughReportID
            )
                == 2)
        #expect(try t.store.dueEvidence() == nil, "report 4 waits to be linked: nothing past it")

        try t.store.pool.write { db in
            try db.execute(sql: "UPDATE report_urls SET cluster_id = 1 WHERE report_id = 4")
            try db.execute(sql: "DELETE FROM reports_to_link")
        }
        let second = try #require(try t.store.dueEvidence())
        #expect(second.items.map(\.url) == ["https://c.example/r", "https://d.example/s"])
        // Kept once: a second save of the same (cluster, URL) keeps the first snapshot.
        #expect(try t.store.saveEvidence([(1, Self.snapshot("https://a.example/p"), "other")]) == 0)
        #expect(try t.store.evidence(clusterID: 1).map(\.sha256) == ["sha"])
    }
}
