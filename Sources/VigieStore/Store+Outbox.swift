import Foundation
import GRDB
import VigieCore

extension Store {
    /// Enqueues messages for the outbox; a message whose dedupe key is already there (sent or not) is left out.
    /// Returns the dedupe keys actually enqueued, in order.
    @discardableResult
    public func enqueue(_ items: [OutboxItem], now: Date = Date()) throws -> [String] {
        guard !items.isEmpty else { return [] }
        return try pool.write { db in try Self.enqueue(db, items, now: now) }
    }

    /// The same inside a caller's transaction, so that a message and the record that it is owed (a digest's period,
    /// a cluster's alert flag) commit together.
    static func enqueue(_ db: Database, _ items: [OutboxItem], now: Date) throws -> [String] {
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO outbox (queue, kind, dedupe_key, recipient, envelope_from, message_id, message, subject_ref,
                                    created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (dedupe_key) DO NOTHING
                """)
        let t = now.timeIntervalSince1970
        var inserted: [String] = []
        for item in items {
            try insert.execute(arguments: [
                item.queue, item.kind, item.dedupeKey, item.recipient,
                item.envelopeFrom, item.messageID, Data(item.bytes), item.subjectRef, t, t,
            ])
            if db.changesCount == 1 { inserted.append(item.dedupeKey) }
        }
        return inserted
    }

    /// Whether a message with this dedupe key was ever enqueued.
    public func outboxContains(dedupeKey: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM outbox WHERE dedupe_key = ?", arguments: [dedupeKey]) ?? false
        }
    }
}
