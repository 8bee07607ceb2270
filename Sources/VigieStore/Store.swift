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
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
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
        try Self.createPrivately(path)
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error)")
        }
    }

    /// Creates the database file 0600 (SQLite gives its -wal and -shm the same mode) whatever the umask, and takes
    /// group and other access away from an existing one and its -wal/-shm: it holds citizens' and subscribers'
    /// addresses.
    static func createPrivately(_ path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, st.st_mode & 0o077 != 0 { _ = fchmod(fd, st.st_mode & 0o700) }
        for companion in [path + "-wal", path + "-shm"] where stat(companion, &st) == 0 && st.st_mode & 0o077 != 0 {
            _ = chmod(companion, st.st_mode & 0o700)
        }
    }

    /// Every schema version, in order; a migration once shipped is never edited, only followed by another.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-intake", migrate: Schema.intakeV1)
        m.registerMigration("v2-clusters", migrate: Schema.clustersV1)
        m.registerMigration("v3-newsletter", migrate: Schema.newsletterV1)
        return m
    }

    /// Names of the migrations applied, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Self.migrator.appliedMigrations(db) }
    }
}

/// Store failures worth a clear one-line message.
public enum StoreError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    /// `what` names the missing thing (`cluster 12`); `hint` says where to look, after "not found".
    case notFound(what: String, hint: String? = nil)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "database \(path): \(reason); check [database] path in vigie.toml and the folder's permissions"
        case .notFound(let what, let hint):
            return "\(what) not found" + (hint.map { "; \($0)" } ?? "")
        }
    }
}
