import Foundation
import GRDB
import Testing
import VigieCore

@testable import VigieStore

/// Issue 8 §2 through the real binary: a state the database should never hold stops the command with one line.
@Suite(.serialized) struct CLIStoredStateTests {
    @Test func anUnknownStoredStateIsOneLineAndExitOne() throws {
        let config = try VigieCLI.initConfig(user: "nobody")
        let db = (config as NSString).deletingLastPathComponent + "/var/vigie.sqlite"
        let store = try Store(path: db)
        _ = try storeReports(store, [("a@x.fr", "https://x.com/troll/status/1790000000000000001")])
        let rebuild = try VigieCLI.run(["clusters", "rebuild"], config: config)
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        let before = try VigieCLI.run(["clusters", "list"], config: config)
        #expect(before.status == 0, "\(before.stderr)")

        // The CHECK refuses it; only an edit past the constraints (or a newer vigie) can leave it there.
        #expect(throws: DatabaseError.self) {
            try store.pool.write { db in try db.execute(sql: "UPDATE clusters SET status = 'draft'") }
        }
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE clusters SET status = 'draft'")
            try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        }
        let list = try VigieCLI.run(["clusters", "list"], config: config)
        #expect(list.status == 1)
        let lines = list.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(list.stderr)")
        #expect(list.stderr.contains("database column clusters.status holds \"draft\""), "\(list.stderr)")
        #expect(list.stderr.contains("upgrade vigie or restore the database from a backup"), "\(list.stderr)")
    }
}
