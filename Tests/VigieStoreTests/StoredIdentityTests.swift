import Foundation
import GRDB
import Testing
import VigieCore

@testable import VigieStore

/// Platforms and kinds go to the store as their raw values and come back typed; an unknown value is an error.
@Suite struct StoredIdentityTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func platformAndKindRoundTripAndUnknownValuesFailLoudly() throws {
        let t = try TempStore()
        _ = try seedReports(t.store, [("a@b.fr", ["https://x.com/a/status/9"], now)])
        try t.store.assignClusters(assignments(try t.store.unclusteredURLs()), now: now)
        let stored = try t.store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT platform || '/' || kind FROM clusters")
        }
        #expect(stored == "x/post")
        let cluster = try #require(try t.store.clusters(platform: .x, now: now).first)
        #expect(cluster.platform == .x)
        #expect(cluster.kind == .post)
        #expect(try t.store.clusters(platform: .youtube, now: now).isEmpty)
        #expect(try t.store.accounts().first?.platform == .x)

        // The CHECK constraints refuse unknown values: only a hand edit past them can store one.
        try t.store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE clusters SET platform = 'myspace'")
            try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        }
        let error = #expect(throws: UnknownStoredValueError.self) { try t.store.clusters(now: now) }
        #expect(error?.description.contains("clusters.platform holds \"myspace\"") == true)
        #expect(throws: UnknownStoredValueError.self) { try t.store.accounts() }
        #expect(throws: UnknownStoredValueError.self) {
            try t.store.cluster(id: cluster.id, includeReporters: false)
        }

        // The CHECK constraints refuse unknown values: only a hand edit past them can store one.
        try t.store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE clusters SET platform = 'x', kind = 'tweet'")
            try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        }
        let kindError = #expect(throws: UnknownStoredValueError.self) { try t.store.clusters(now: now) }
        #expect(kindError?.description.contains("clusters.kind holds \"tweet\"") == true)
    }
}
