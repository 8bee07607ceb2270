import Foundation
import GRDB
import Synchronization

/// The stores inside a `withSparseCheckpoints` scope, and how many scopes each is in.
private let sparseScopes = Mutex<[ObjectIdentifier: Int]>([:])

extension Store {
    /// SQLite's own interval: the writer checkpoints once the WAL holds this many pages.
    static let defaultCheckpointPages = 1000

    /// Runs `body` with the WAL checkpointed every `pages` pages instead of every 1,000. A checkpoint runs inside the
    /// commit that crosses the interval and syncs the WAL and the database file (two `fdatasync`s, milliseconds
    /// each) while every other writer of the process waits: a sender committing once per message would stall on one
    /// every few hundred messages. The WAL grows to `pages` pages (4 KB each) before it is written back; durability
    /// is unchanged (each commit is in the WAL before it returns, as before).
    public func withSparseCheckpoints<T>(pages: Int = 8192, _ body: () throws -> T) throws -> T {
        let first = sparseScopes.withLock { scopes -> Bool in
            scopes[ObjectIdentifier(self), default: 0] += 1
            return scopes[ObjectIdentifier(self)] == 1
        }
        if first { try setCheckpointPages(pages) }
        defer {
            let last = sparseScopes.withLock { scopes -> Bool in
                scopes[ObjectIdentifier(self), default: 1] -= 1
                if scopes[ObjectIdentifier(self)] == 0 {
                    scopes[ObjectIdentifier(self)] = nil
                    return true
                }
                return false
            }
            if last { try? setCheckpointPages(Self.defaultCheckpointPages) }
        }
        return try body()
    }

    private func setCheckpointPages(_ pages: Int) throws {
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(pages)") }
    }
}
