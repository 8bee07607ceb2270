import Foundation
import GRDB
import VigieCore

/// What happened to one outbox attempt, as the sender records it.
public struct OutboxUpdate: Sendable, Equatable {
    public var id: Int64
    public var state: OutboxState
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var code: Int?
    public var reply: String?

    public init(id: Int64, state: OutboxState, attempts: Int, nextAttemptAt: Date? = nil, code: Int? = nil,
                reply: String? = nil) {
        self.id = id
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.code = code
        self.reply = reply
    }
}

// The outbox's sending side: the same life as an edition's deliveries (Store+Deliveries.swift), per queue.
extension Store {
    /// Rows of `queue` due now (pending, or deferred whose time has come), oldest first.
    public func dueOutbox(queue: String, now: Date = Date(), limit: Int) throws -> [OutboxMessage] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, kind, recipient, envelope_from, message_id, state, attempts FROM outbox
                WHERE queue = ? AND (state = ? OR (state = ? AND next_attempt_at <= ?))
                ORDER BY id LIMIT ?
                """, arguments: [queue, OutboxState.pending, OutboxState.deferred, now.timeIntervalSince1970, limit]
            ).map { r in
                OutboxMessage(id: r["id"], queue: queue, kind: try r.decodeStored(OutboxKind.self, "kind", table: "outbox"),
                              recipient: r["recipient"], envelopeFrom: r["envelope_from"], messageID: r["message_id"],
                              state: try r.decodeStored(OutboxState.self, "state", table: "outbox"),
                              attempts: r["attempts"])
            }
        }
    }

    /// The bytes enqueued for row `id` (nil if the row is gone or its bytes were pruned).
    public func outboxBytes(id: Int64) throws -> [UInt8]? {
        try pool.read { db in
            try Data.fetchOne(db, sql: "SELECT message FROM outbox WHERE id = ? AND length(message) > 0",
                              arguments: [id]).map { Array($0) }
        }
    }

    /// When the earliest deferred row of `queue` falls due, if any.
    public func nextDeferredOutbox(queue: String) throws -> Date? {
        try pool.read { db in
            try Double.fetchOne(db, sql: "SELECT min(next_attempt_at) FROM outbox WHERE queue = ? AND state = ?",
                                arguments: [queue, OutboxState.deferred]).map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// Records the outcome of a finished attempt and takes the connection's next row, in one commit (at most one row
    /// per connection in flight). The take marks the row `sending` only if `fence` still holds the queue's lease.
    @discardableResult
    public func recordOutbox(queue: String, result: OutboxUpdate?, nextSending: Int64?, fence: LeaseFence? = nil,
                             now: Date = Date()) throws -> TakeOutcome? {
        try pool.write { db -> TakeOutcome? in
            let t = now.timeIntervalSince1970
            if let u = result {
                let update = try db.cachedStatement(sql: """
                    UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_code = ?, last_reply = ?,
                        sent_at = coalesce(?, sent_at), updated_at = ?
                    WHERE id = ? AND queue = ? AND state = ?
                    """)
                try update.execute(arguments: [u.state, u.attempts, u.nextAttemptAt?.timeIntervalSince1970, u.code,
                                               u.reply, u.state == .sent ? t : nil, t, u.id, queue, OutboxState.sending])
            }
            guard let next = nextSending else { return nil }
            if let fence, try !Self.holdsLease(db, job: fence.job, token: fence.token) { return .leaseLost }
            let mark = try db.cachedStatement(sql: """
                UPDATE outbox SET state = ?, updated_at = ? WHERE id = ? AND queue = ? AND state IN (?, ?)
                """)
            try mark.execute(arguments: [OutboxState.sending, t, next, queue, OutboxState.pending, OutboxState.deferred])
            return db.changesCount == 1 ? .sending : .notDue
        }
    }

    /// Gives a row taken for sending back exactly as it was (state, attempts, next attempt, last reply): the relay
    /// failed before the recipient was named. No-op unless the row is `sending`.
    public func releaseOutbox(id: Int64, to state: OutboxState, now: Date = Date()) throws {
        let restored: OutboxState = state == .deferred ? .deferred : .pending
        try pool.write { db in
            try db.execute(sql: "UPDATE outbox SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
                           arguments: [restored, now.timeIntervalSince1970, id, OutboxState.sending])
        }
    }

    /// Rows of `queue` left `sending` by a crash go back to pending (sent again, never skipped) — only while `fence`
    /// holds the queue's lease, checked in the same transaction, so a live sender's row is never touched. Nil when
    /// the lease is not held.
    public func recoverOutboxInFlight(queue: String, fence: LeaseFence, now: Date = Date()) throws -> Int? {
        try pool.write { db in
            guard try Self.holdsLease(db, job: fence.job, token: fence.token) else { return nil }
            try db.execute(sql: "UPDATE outbox SET state = ?, updated_at = ? WHERE queue = ? AND state = ?",
                           arguments: [OutboxState.pending, now.timeIntervalSince1970, queue, OutboxState.sending])
            return db.changesCount
        }
    }

    /// Counts per queue and kind, queues and kinds in name order.
    public func outboxCounts() throws -> [OutboxCounts] {
        try pool.read { db in
            var byKey: [String: OutboxCounts] = [:]
            for r in try Row.fetchAll(db, sql: """
                SELECT queue, kind, state, count(*) AS n, sum(length(message) = 0) AS pruned,
                       min(CASE WHEN state = ? THEN next_attempt_at END) AS next_at,
                       min(CASE WHEN state IN (?, ?, ?) THEN created_at END) AS oldest
                FROM outbox GROUP BY queue, kind, state
                """, arguments: [OutboxState.deferred, OutboxState.pending, OutboxState.sending, OutboxState.deferred]) {
                let queue: String = r["queue"]
                let kind = try r.decodeStored(OutboxKind.self, "kind", table: "outbox")
                let key = queue + "\u{0}" + kind.rawValue
                var c = byKey[key] ?? OutboxCounts(queue: queue, kind: kind)
                let n: Int = r["n"]
                switch try r.decodeStored(OutboxState.self, "state", table: "outbox") {
                case .pending, .sending: c.pending += n
                case .deferred: c.deferred += n
                case .sent: c.sent += n
                case .failed: c.failed += n
                case .skipped: c.skipped += n
                }
                c.pruned += r["pruned"] as Int? ?? 0
                if let t: Double = r["next_at"] {
                    c.nextAttemptAt = min(c.nextAttemptAt ?? .distantFuture, Date(timeIntervalSince1970: t))
                }
                if let t: Double = r["oldest"] {
                    c.oldestUnsentAt = min(c.oldestUnsentAt ?? .distantFuture, Date(timeIntervalSince1970: t))
                }
                byKey[key] = c
            }
            return byKey.values.sorted { ($0.queue, $0.kind.rawValue) < ($1.queue, $1.kind.rawValue) }
        }
    }

    /// Rows refused for good, oldest first; `queue` and `kind` narrow the list.
    public func outboxFailures(queue: String? = nil, kind: OutboxKind? = nil) throws -> [OutboxFailure] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, queue, kind, recipient, subject_ref, attempts, last_code, last_reply, updated_at FROM outbox
                WHERE state = ? AND (? IS NULL OR queue = ?) AND (? IS NULL OR kind = ?)
                ORDER BY id
                """, arguments: [OutboxState.failed, queue, queue, kind, kind]
            ).map { r in
                OutboxFailure(id: r["id"], queue: r["queue"],
                              kind: try r.decodeStored(OutboxKind.self, "kind", table: "outbox"),
                              recipient: r["recipient"], subjectRef: r["subject_ref"], attempts: r["attempts"],
                              code: r["last_code"], reply: r["last_reply"],
                              failedAt: Date(timeIntervalSince1970: r["updated_at"]))
            }
        }
    }

    /// Requeues failed rows (attempts reset) for the next send; `queue` and `kind` narrow it. Returns how many.
    public func retryOutboxFailed(queue: String? = nil, kind: OutboxKind? = nil, now: Date = Date()) throws -> Int {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE outbox SET state = ?, attempts = 0, next_attempt_at = NULL, updated_at = ?
                WHERE state = ? AND (? IS NULL OR queue = ?) AND (? IS NULL OR kind = ?)
                """, arguments: [OutboxState.pending, now.timeIntervalSince1970, OutboxState.failed, queue, queue,
                                 kind, kind])
            return db.changesCount
        }
    }

    /// Retention: clears the message bytes of `queue`'s rows sent before `cutoff`, keeping every other column (who,
    /// what, when, the relay's reply) for audits and for the dedupe key that keeps them from being sent again.
    /// Returns how many rows were cleared.
    @discardableResult
    public func pruneOutboxMessages(queue: String, sentBefore cutoff: Date) throws -> Int {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE outbox SET message = X'' WHERE queue = ? AND state = ? AND sent_at < ? AND length(message) > 0
                """, arguments: [queue, OutboxState.sent, cutoff.timeIntervalSince1970])
            return db.changesCount
        }
    }
}
