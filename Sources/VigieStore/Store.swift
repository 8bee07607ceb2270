import Foundation
import GRDB
import VigieCore

/// The embedded store: one SQLite file in WAL mode, migrated on open.
public final class Store: Sendable {
    let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating the file and its folder if needed) and migrates the database.
    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw StoreError.cannotOpen(path: path, reason: "cannot create folder \(dir): \(error.localizedDescription)")
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.label = "vigie"
        config.prepareDatabase { db in
            // WAL + NORMAL: a commit survives a process crash (kill -9); only an OS crash may lose the last ones.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -131072")
            try db.execute(sql: "PRAGMA mmap_size = 4294967296")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrate(pool)
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error)")
        }
    }

    /// Every schema version, in order; a migration once shipped is never edited, only followed by another.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-intake", migrate: Schema.intakeV1)
        m.registerMigration("v2-clusters", migrate: Schema.clustersV1)
        m.registerMigration("v3-newsletter", migrate: Schema.newsletterV1)
        m.registerMigration("v4-leases", migrate: Schema.leasesV1)
        return m
    }

    /// Migrates; two processes opening a new database at once race on the same migration, and the loser's
    /// transaction rolls back whole (a migration and its bookkeeping row commit together): it retries and finds the
    /// winner's work done.
    static func migrate(_ pool: DatabasePool) throws {
        var attempt = 0
        while true {
            do {
                return try migrator.migrate(pool)
            } catch is DatabaseError where attempt < 5 {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
                if try pool.read({ db in try migrator.hasCompletedMigrations(db) }) { return }
            }
        }
    }

    /// Names of the migrations applied, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Self.migrator.appliedMigrations(db) }
    }
}

/// Store failures worth a clear one-line message.
public enum StoreError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notFound(what: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "database \(path): \(reason); check [database] path in vigie.toml and the folder's permissions"
        case .notFound(let what):
            return "\(what) not found"
        }
    }
}
