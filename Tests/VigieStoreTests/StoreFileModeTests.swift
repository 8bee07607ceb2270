import Foundation
import Testing
import VigieStore

@Suite(.serialized) struct StoreFileModeTests {
    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Under a permissive umask the store still creates its folder 0700 and the database, WAL and SHM 0600, and takes
    /// group and other access away from a database file created by someone else's umask.
    @Test func databaseFilesArePrivateWhateverTheUmask() throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let dir = NSTemporaryDirectory() + "vigie-modes-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/db/vigie.sqlite"
        let store = try Store(path: path)
        _ = try store.appliedMigrations()
        #expect(try Self.mode(dir + "/db") == 0o700)
        for p in [path, path + "-wal", path + "-shm"] {
            #expect(FileManager.default.fileExists(atPath: p), "\(p)")
            #expect(try Self.mode(p) == 0o600, "\(p)")
        }
        withExtendedLifetime(store) {}

        // A database left world-readable by an earlier version (its WAL and SHM too) is tightened on open.
        let loose = dir + "/loose.sqlite"
        for p in [loose, loose + "-wal", loose + "-shm"] {
            #expect(FileManager.default.createFile(atPath: p, contents: nil, attributes: [.posixPermissions: 0o644]))
        }
        let reopened = try Store(path: loose)
        _ = try reopened.appliedMigrations()
        for p in [loose, loose + "-wal", loose + "-shm"] { #expect(try Self.mode(p) == 0o600, "\(p)") }
        withExtendedLifetime(reopened) {}
    }
}
