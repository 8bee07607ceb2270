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

        let loose = dir + "/loose.sqlite"
        #expect(FileManager.default.createFile(atPath: loose, contents: nil, attributes: [.posixPermissions: 0o644]))
        _ = try Store(path: loose)
        #expect(try Self.mode(loose) == 0o600)
    }
}
