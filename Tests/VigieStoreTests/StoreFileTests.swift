import Foundation
import GRDB
import Testing
import VigieCore

@testable import VigieStore

/// The database file itself: who may create it, and what happens when it vanishes or fills the disk.
@Suite struct StoreFileTests {
    @Test func mustExistRefusesAMissingFileAndCreatesNothing() throws {
        let dir = NSTemporaryDirectory() + "vigie-store-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/vigie.sqlite"
        let error = try #require(throws: StoreError.self) { try Store(path: path, mode: .mustExist) }
        #expect("\(error)" == "database \(path) does not exist; run `vigie init` (or `vigie poll`) to create it")
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: dir))
        // Once created, the same mode opens it.
        _ = try Store(path: path, mode: .create)
        _ = try Store(path: path, mode: .mustExist)
    }

    @Test(arguments: ["removed", "replaced"])
    func aFileRemovedOrReplacedUnderTheStoreIsDetected(what: String) throws {
        let t = try TempStore()
        try t.store.checkFileIdentity()
        try FileManager.default.removeItem(atPath: t.store.path)
        if what == "replaced" {
            _ = try Store(path: t.store.path)  // a new, empty database at the same path
        }
        let error = try #require(throws: StoreError.self) { try t.store.checkFileIdentity() }
        #expect("\(error)".hasPrefix("database \(t.store.path) was removed or replaced while vigie ran"))
    }

    @Test func aFullDiskSaysSoAndWhere() throws {
        let t = try TempStore()
        // SQLITE_FULL without a small file system: the writer connection may not grow the file past its size.
        try t.store.pool.write { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        let big = String(repeating: "x", count: 1 << 20)
        let error = try #require(throws: (any Error).self) {
            _ = try t.store.commit(
                batch: [incoming(1, body: big)], queue: "q", mailbox: "m", uidValidity: 1,
                lastUID: 1)
        }
        let explained = try #require(StoreError(error, store: t.store))
        #expect("\(explained)".hasPrefix("disk full: cannot write the database \(t.store.path)"), "\(explained)")
        #expect(try t.store.messageCounts().isEmpty)
    }
}
