import Foundation
import GRDB
import Testing

@testable import VigieStore

@Suite struct CheckpointTests {
    private struct Boom: Error {}

    private func interval(_ store: Store) throws -> Int? {
        try store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
    }

    /// A sender's scope checkpoints sparsely; nested scopes keep the outer interval; leaving the last one (even by
    /// an error) gives SQLite's interval back.
    @Test func sparseCheckpointsLastAsLongAsTheirScope() throws {
        let t = try TempStore()
        let s = t.store
        #expect(try interval(s) == Store.defaultCheckpointPages)
        try s.withSparseCheckpoints(pages: 4096) { () throws in
            #expect(try interval(s) == 4096)
            try s.withSparseCheckpoints(pages: 2048) { () throws in
                #expect(try interval(s) == 4096)
            }
            #expect(try interval(s) == 4096)
            // Commits inside the scope are durable as before: another connection reads them at once.
            try s.pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO leases (job, token, pid, host, since, expires_at, renewed_at)
                            VALUES ('j', 't', 1, 'h', 1, 2, 1)
                        """)
            }
            let other = try DatabaseQueue(path: s.path)
            #expect(try other.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM leases") } == 1)
            try other.close()
        }
        #expect(try interval(s) == Store.defaultCheckpointPages)
        #expect(throws: Boom.self) { try s.withSparseCheckpoints { () throws in throw Boom() } }
        #expect(try interval(s) == Store.defaultCheckpointPages)
    }
}
