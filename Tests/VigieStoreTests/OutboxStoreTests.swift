import Foundation
import GRDB
import Testing
import VigieCore

@testable import VigieStore

@Suite("Outbox: enqueue is idempotent per dedupe key")
struct OutboxStoreTests {
    static func item(_ key: String, kind: OutboxKind = .acknowledgement) -> OutboxItem {
        OutboxItem(
            kind: kind, queue: "acknowledgements", dedupeKey: key, recipient: "camille@exemple.fr",
            envelopeFrom: "", messageID: "\(key)@vigie.example.org", bytes: Array("Subject: x\r\n\r\nx\r\n".utf8),
            subjectRef: "report:1")
    }

    @Test func sameKeyTwiceIsOneMessage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/v.sqlite")
        #expect(
            try store.enqueue([Self.item("ack:report:1"), Self.item("ack:report:2")]) == [
                "ack:report:1", "ack:report:2",
            ])
        #expect(try store.enqueue([Self.item("ack:report:2"), Self.item("ack:report:3")]) == ["ack:report:3"])
        #expect(try store.outboxContains(dedupeKey: "ack:report:1"))
        #expect(try !store.outboxContains(dedupeKey: "ack:report:4"))
        let count = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox") }
        #expect(count == 3)
    }

    /// The table's CHECK lists are frozen by its migration: a new case needs a migration that rebuilds `outbox`.
    @Test func kindsAndStatesArePinnedToTheMigration() {
        #expect(
            OutboxKind.allCases.map(\.rawValue)
                == ["acknowledgement", "outcome", "digest", "alert", "confirmation", "notice"])
        #expect(
            OutboxState.allCases.map(\.rawValue) == ["pending", "sending", "sent", "deferred", "failed", "skipped"])
    }

    @Test func unknownKindOrStateIsRefusedByTheTable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/v.sqlite")
        try store.enqueue([Self.item("ack:report:1")])
        #expect(throws: (any Error).self) {
            try store.pool.write { db in try db.execute(sql: "UPDATE outbox SET state = 'lost'") }
        }
        #expect(throws: (any Error).self) {
            try store.pool.write { db in try db.execute(sql: "UPDATE outbox SET kind = 'spam'") }
        }
    }
}
