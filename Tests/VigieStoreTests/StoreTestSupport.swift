import Foundation
import VigieStore

/// A fresh database file in a temporary folder, removed when the test ends.
final class TempStore {
    let dir: String
    let store: Store

    init() throws {
        dir = NSTemporaryDirectory() + "vigie-store-" + UUID().uuidString
        store = try Store(path: dir + "/db/vigie.sqlite")
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }
}

func incoming(_ uid: UInt32, body: String, messageID: String? = nil, truncated: Bool = false) -> IncomingMessage {
    let raw = Array(body.utf8)
    // A cheap stand-in for sha256 that still differs for different bodies.
    let digest = String(body.hashValue, radix: 16) + "-" + String(raw.count)
    return IncomingMessage(
        uid: uid, raw: raw, size: raw.count, truncated: truncated, sha256: digest,
        messageID: messageID)
}
