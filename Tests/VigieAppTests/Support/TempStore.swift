import Foundation
import VigieCore
import VigieStore

/// A fresh database file in a temporary folder, removed when the test ends.
final class TempStore {
    let dir: String
    let store: Store

    init() throws {
        dir = NSTemporaryDirectory() + "vigie-app-" + UUID().uuidString
        store = try Store(path: dir + "/vigie.sqlite")
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// An edition queued for `count` subscribers `s1@x.fr`…; returns the edition id.
    func edition(subscribers count: Int, id: String = "2026-12-02") throws -> String {
        _ = try store.importSubscribers(
            (1...count).map { SubscriberRow(email: "s\($0)@x.fr", name: nil, language: nil) })
        _ = try store.startEdition(id: id, subject: "Lettre", date: id, sourceSHA256: "aa")
        return id
    }
}
