import Foundation
import GRDB
import VigieCore

/// The embedded store: one SQLite file in WAL mode, migrated on open.
public final class Store: Sendable {
    /// Whether opening may create the database file.
    public enum OpenMode: Sendable {
        /// Create the file (and its folder) when missing: `vigie init` and the commands that are a first run.
        case create
        /// The file must exist: read commands never leave an empty database behind.
        case mustExist
    }

    let pool: DatabasePool
    /// Bytes of the file SQLite reads through a memory map (PRAGMA mmap_size).
    static let mmapSize = 4_294_967_296
    /// The database file.
    public let path: String
    /// Device and inode of the file opened: a file deleted or replaced under a running process is detected.
    let identity: FileIdentity?

    /// Opens and migrates the database; with `.create`, creates the file and its folder if needed.
    public init(path: String, mode: OpenMode = .create) throws {
        self.path = path
        switch mode {
        case .mustExist:
            guard FileManager.default.fileExists(atPath: path) else { throw StoreError.missing(path: path) }
        case .create:
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty {
                do {
                    try FileManager.default.createDirectory(
                        atPath: dir, withIntermediateDirectories: true,
                        attributes: [.posixPermissions: 0o700])
                } catch {
                    throw StoreError.cannotOpen(
                        path: path, reason: "cannot create folder \(dir): \(error.localizedDescription)")
                }
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.label = "vigie"
        config.prepareDatabase { db in
            // WAL + NORMAL: a commit survives a process crash (kill -9); only an OS crash may lose the last ones.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -131072")
            try db.execute(sql: "PRAGMA mmap_size = \(Store.mmapSize)")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        try Self.createPrivately(path)
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrate(pool)
        } catch let error as DatabaseError {
            throw StoreError(error, path: path)
        }
        identity = FileIdentity(path: path)
    }

    /// Throws `StoreError.replaced` when the file at `path` is no longer the one opened (deleted, renamed, replaced):
    /// writes would go to a file nobody will ever read again.
    public func checkFileIdentity() throws {
        guard let identity, FileIdentity(path: path) == identity else { throw StoreError.replaced(path: path) }
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
        m.registerMigration("v4-message-id-collision", migrate: Schema.messageIDCollision)
        m.registerMigration("v5-leases", migrate: Schema.leasesV1)
        // Rebuilds tables: foreign keys stay off during the migration and are checked before it commits.
        m.registerMigration("v6-state-checks", foreignKeyChecks: .deferred, migrate: Schema.stateChecks)
        m.registerMigration("v7-crash-gaps", migrate: Schema.crashGapsV1)
        m.registerMigration("v7-outbox", migrate: Schema.outboxV1)
        m.registerMigration("v8-outbox-recipient", migrate: Schema.outboxRecipient)
        m.registerMigration("v8-digest", migrate: Schema.digestV1)
        m.registerMigration("v9-scheduled-editions", migrate: Schema.scheduledEditionsV1)
        m.registerMigration("v10-notices", foreignKeyChecks: .deferred, migrate: Schema.noticesV1)
        m.registerMigration("v10-evidence", migrate: Schema.evidenceV1)
        m.registerMigration("v10-link-checks", migrate: Schema.linkChecksV1)
        m.registerMigration("v11-web-subscriptions", migrate: Schema.webSubscriptionsV1)
        m.registerMigration("v12-console-users", migrate: Schema.consoleV1)
        m.registerMigration("v13-cluster-overrides", migrate: Schema.overridesV1)
        m.registerMigration("v13-cluster-ranking", migrate: Schema.clusterRankingV1)
        m.registerMigration("v13-cluster-search", migrate: Schema.clusterSearchV1)
        m.registerMigration(
            "v14-state-checks", foreignKeyChecks: .deferred, migrate: Schema.stateChecksAsEqualities)
        return m
    }

    /// Migrates; two processes opening a new database at once race on the same migration, and the loser's
    /// transaction rolls back whole (a migration and its bookkeeping row commit together): it retries and finds the
    /// winner's work done.
    static func migrate(_ pool: DatabasePool) throws {
        let retry = Backoff.migrationRace
        var attempt = 0
        while true {
            do {
                return try migrator.migrate(pool)
            } catch is DatabaseError where !retry.isExhausted(after: attempt + 1) {
                Thread.sleep(forTimeInterval: retry.nominal(attempt: attempt).inSeconds)
                attempt += 1
                if try pool.read({ db in try migrator.hasCompletedMigrations(db) }) { return }
            }
        }
    }

    /// Names of the migrations applied, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Self.migrator.appliedMigrations(db) }
    }
}

/// The device and inode of a file.
struct FileIdentity: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64

    /// nil when the path cannot be stat'ed (missing).
    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}

/// Store failures worth a clear one-line message.
public enum StoreError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    /// `what` names the missing thing (`cluster 12`); `hint` says where to look, after "not found".
    case notFound(what: String, hint: String? = nil)
    /// A command that only reads found no database.
    case missing(path: String)
    /// The database file was deleted or replaced while the process had it open.
    case replaced(path: String)
    /// The disk (or the file system's quota) is full.
    case diskFull(path: String)

    /// Classifies a SQLite error: a full disk says so, anything else keeps SQLite's message.
    init(_ error: DatabaseError, path: String) {
        if error.resultCode == .SQLITE_FULL {
            self = .diskFull(path: path)
        } else {
            self = .cannotOpen(path: path, reason: error.message ?? "\(error)")
        }
    }

    /// The store's reading of any error a Store call threw (nil when it did not come from the database), so callers
    /// above the store can say what happened without knowing SQLite.
    public init?(_ error: any Error, store: Store) {
        if let e = error as? StoreError {
            self = e
        } else if let e = error as? DatabaseError {
            self.init(e, path: store.path)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "database \(path): \(reason); check [database] path in vigie.toml and the folder's permissions"
        case .notFound(let what, let hint):
            return "\(what) not found" + (hint.map { "; \($0)" } ?? "")
        case .missing(let path):
            return "database \(path) does not exist; run `vigie init` (or `vigie poll`) to create it"
        case .replaced(let path):
            return "database \(path) was removed or replaced while vigie ran; nothing was moved on the server; "
                + "restore it and restart"
        case .diskFull(let path):
            let dir = (path as NSString).deletingLastPathComponent
            return "disk full: cannot write the database \(path) (folder \(dir.isEmpty ? "." : dir)); free space "
                + "there and run again"
        }
    }
}
