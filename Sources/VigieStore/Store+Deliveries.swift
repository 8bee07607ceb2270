import Foundation
import GRDB
import VigieCore

/// What happened to one delivery attempt, as the dispatcher records it.
public struct DeliveryUpdate: Sendable {
    public var subscriberID: Int64
    public var state: DeliveryStatus
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var code: Int?
    public var reply: String?
    public var messageID: String?

    public init(
        subscriberID: Int64, state: DeliveryStatus, attempts: Int, nextAttemptAt: Date? = nil, code: Int? = nil,
        reply: String? = nil, messageID: String? = nil
    ) {
        self.subscriberID = subscriberID
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.code = code
        self.reply = reply
        self.messageID = messageID
    }
}

/// The lease a writer acts under: a statement with external effects runs only while this token holds this job.
public struct LeaseFence: Sendable, Equatable {
    public var job: String
    public var token: String

    public init(job: String, token: String) {
        self.job = job
        self.token = token
    }
}

/// What taking a delivery for the wire did.
public enum TakeOutcome: Sendable, Equatable {
    /// The row is `sending`: hand the message to SMTP.
    case sending
    /// The subscriber is no longer active: the row is closed `skipped` with this reason, nothing is sent.
    case skipped(reason: String)
    /// The edition's lease was taken over: stop before any further message.
    case leaseLost
    /// The row is no longer pending or deferred (nothing to send).
    case notDue
}

/// Refusal to start or resume an edition.
public struct EditionError: Error, CustomStringConvertible {
    public var description: String
}

extension Store {
    /// Creates the edition and snapshots the active subscribers into its queue, once; a later call for the same
    /// edition (a resume) only checks the file did not change. Returns true when the snapshot was made now.
    @discardableResult
    public func startEdition(
        id: String, subject: String, date: String, sourceSHA256: String, source: String? = nil,
        now: Date = Date()
    ) throws -> Bool {
        try pool.write { db in
            if let sha = try String.fetchOne(
                db, sql: "SELECT source_sha256 FROM editions WHERE id = ?", arguments: [id])
            {
                guard sha == sourceSHA256 else {
                    throw EditionError(
                        description: "edition \(id) was started from a different file; an edition "
                            + "being sent cannot change: restore the file, or give the new one another id")
                }
                if let source {
                    // Editions started before the text was kept get it now: `serve` can then resume them.
                    try db.execute(
                        sql: "UPDATE editions SET source = ? WHERE id = ? AND source IS NULL",
                        arguments: [source, id])
                }
                return false
            }
            let t = now.timeIntervalSince1970
            try db.execute(
                sql: """
                    INSERT INTO editions (id, subject, date, source_sha256, source, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [id, subject, date, sourceSHA256, source, t])
            try db.execute(
                sql: """
                    INSERT INTO deliveries (edition_id, subscriber_id, email, name, updated_at)
                    SELECT ?, id, email, name, ? FROM subscribers WHERE status = ? ORDER BY id
                    """, arguments: [id, t, SubscriberStatus.active])
            return true
        }
    }

    /// Whether the edition exists.
    public func editionExists(_ id: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM editions WHERE id = ?", arguments: [id]) ?? false
        }
    }

    /// Deliveries left `sending` by a crash go back to pending: they may be sent twice, never skipped.
    public func recoverInFlight(editionID: String, now: Date = Date()) throws -> Int {
        try pool.write { db in
            try db.execute(
                sql: """
                    UPDATE deliveries SET state = ?, updated_at = ? WHERE edition_id = ? AND state = ?
                    """,
                arguments: [DeliveryStatus.pending, now.timeIntervalSince1970, editionID, DeliveryStatus.sending])
            return db.changesCount
        }
    }

    /// Deliveries due now (pending, or deferred whose time has come), in subscriber order: read through
    /// `deliveries_due`, which holds only such rows (the table's own order would walk past every row already sent).
    public func dueDeliveries(editionID: String, now: Date = Date(), limit: Int) throws -> [Delivery] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.subscriber_id, d.email, d.name, d.state, d.attempts, s.token_salt
                    FROM deliveries d INDEXED BY deliveries_due JOIN subscribers s ON s.id = d.subscriber_id
                    WHERE d.edition_id = ? AND (\(Schema.deliveriesDue)) AND (d.state = ? OR d.next_attempt_at <= ?)
                    ORDER BY d.subscriber_id LIMIT ?
                    """,
                arguments: [editionID, DeliveryStatus.pending, now.timeIntervalSince1970, limit]
            ).map { r in
                // Columns by position: the sender reads a thousand rows at a time.
                Delivery(
                    editionID: editionID, subscriberID: r[0], email: r[1], name: r[2],
                    state: try r.decodeStored(DeliveryStatus.self, "state", table: "deliveries"),
                    attempts: r[4], tokenSalt: r[5])
            }
        }
    }

    /// When the earliest deferred delivery falls due, if any.
    public func nextDeferredAttempt(editionID: String) throws -> Date? {
        try pool.read { db in
            try Double.fetchOne(
                db,
                sql: """
                    SELECT min(next_attempt_at) FROM deliveries
                    WHERE edition_id = ? AND (\(Schema.deliveriesDue)) AND state = ?
                    """, arguments: [editionID, DeliveryStatus.deferred]
            ).map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// Records the outcome of a finished attempt and takes the connection's next delivery, in one commit: at any
    /// instant at most one delivery per connection is in flight. The take is the statement that marks the row
    /// `sending`, and it does so only if `fence` still holds the edition's lease and the subscriber is still `active`;
    /// a withdrawn subscriber's row is closed `skipped` in the same commit, so it never reaches the wire.
    @discardableResult
    public func record(
        editionID: String, result: DeliveryUpdate?, nextSending: Int64?, fence: LeaseFence? = nil,
        now: Date = Date()
    ) throws -> TakeOutcome? {
        try writeWithCachedTransaction { db in
            try Self.record(db, editionID: editionID, result: result, nextSending: nextSending, fence: fence, now: now)
        }
    }

    /// Several connections' `record` calls in one commit (group commit), each exactly as `record` alone would do it,
    /// in order; one outcome per call.
    public func recordAll(
        editionID: String, _ calls: [(result: DeliveryUpdate?, nextSending: Int64?)], fence: LeaseFence? = nil,
        now: Date = Date()
    ) throws -> [TakeOutcome?] {
        try writeWithCachedTransaction { db in
            try calls.map {
                try Self.record(
                    db, editionID: editionID, result: $0.result, nextSending: $0.nextSending, fence: fence, now: now)
            }
        }
    }

    /// `pool.write` (an immediate transaction, committed, or rolled back on error) with its BEGIN and COMMIT
    /// statements prepared once per connection rather than parsed again for each of the sender's commits.
    func writeWithCachedTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in
            try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
            do {
                let result = try body(db)
                try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
                return result
            } catch {
                if db.isInsideTransaction { try? db.rollback() }
                throw error
            }
        }
    }

    static func record(
        _ db: Database, editionID: String, result: DeliveryUpdate?, nextSending: Int64?, fence: LeaseFence?,
        now: Date
    ) throws -> TakeOutcome? {
        let t = now.timeIntervalSince1970
        if let u = result {
            let update = try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_code = ?, last_reply = ?,
                        message_id = coalesce(?, message_id), sent_at = coalesce(?, sent_at), updated_at = ?
                    WHERE edition_id = ? AND subscriber_id = ?
                    """)
            try update.execute(arguments: [
                u.state, u.attempts, u.nextAttemptAt?.timeIntervalSince1970,
                u.code, u.reply, u.messageID, u.state == .sent ? t : nil, t, editionID,
                u.subscriberID,
            ])
        }
        guard let next = nextSending else { return nil }
        if let fence, try !Self.holdsLease(db, job: fence.job, token: fence.token) { return .leaseLost }
        let mark = try db.cachedStatement(
            sql: """
                UPDATE deliveries SET state = ?, updated_at = ?
                WHERE edition_id = ? AND subscriber_id = ? AND state IN (?, ?)
                  AND EXISTS (SELECT 1 FROM subscribers s WHERE s.id = deliveries.subscriber_id AND s.status = ?)
                """)
        try mark.execute(arguments: [
            DeliveryStatus.sending, t, editionID, next, DeliveryStatus.pending,
            DeliveryStatus.deferred, SubscriberStatus.active,
        ])
        if db.changesCount == 1 { return .sending }
        let skip = try db.cachedStatement(
            sql: """
                UPDATE deliveries SET state = ?, next_attempt_at = NULL, updated_at = ?,
                    last_reply = 'not sent: subscriber ' || (SELECT s.status FROM subscribers s
                                                             WHERE s.id = deliveries.subscriber_id)
                WHERE edition_id = ? AND subscriber_id = ? AND state IN (?, ?)
                RETURNING last_reply
                """)
        if let reason = try String.fetchOne(
            skip,
            arguments: [
                DeliveryStatus.skipped, t, editionID, next,
                DeliveryStatus.pending, DeliveryStatus.deferred,
            ])
        {
            return .skipped(reason: reason)
        }
        return .notDue
    }

    /// Counts by state; nil when the edition is unknown.
    public func editionStatus(_ id: String) throws -> EditionStatus? {
        try pool.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM editions WHERE id = ?", arguments: [id]) == true else {
                return nil
            }
            var s = EditionStatus(edition: id, total: 0, sent: 0, failed: 0, deferred: 0, pending: 0, skipped: 0)
            for r in try Row.fetchAll(
                db, sql: "SELECT state, count(*) AS n FROM deliveries WHERE edition_id = ? GROUP BY state",
                arguments: [id])
            {
                let n: Int = r["n"]
                s.total += n
                switch try r.decodeStored(DeliveryStatus.self, "state", table: "deliveries") {
                case .sent: s.sent += n
                case .failed: s.failed += n
                case .deferred: s.deferred += n
                case .skipped: s.skipped += n
                case .pending, .sending: s.pending += n
                }
            }
            return s
        }
    }

    /// Failed deliveries with their last reply.
    public func deliveryFailures(editionID: String) throws -> [DeliveryFailure] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT email, attempts, last_code, last_reply FROM deliveries WHERE edition_id = ? AND state = ?
                    ORDER BY subscriber_id
                    """, arguments: [editionID, DeliveryStatus.failed]
            ).map {
                DeliveryFailure(
                    email: $0["email"], attempts: $0["attempts"], code: $0["last_code"], reply: $0["last_reply"])
            }
        }
    }

    /// Requeues failed deliveries whose subscriber is still active; returns how many.
    public func retryFailed(editionID: String, now: Date = Date()) throws -> Int {
        try pool.write { db in
            try db.execute(
                sql: """
                    UPDATE deliveries SET state = ?, attempts = 0, next_attempt_at = NULL, updated_at = ?
                    WHERE edition_id = ? AND state = ?
                      AND subscriber_id IN (SELECT id FROM subscribers WHERE status = ?)
                    """,
                arguments: [
                    DeliveryStatus.pending, now.timeIntervalSince1970, editionID, DeliveryStatus.failed,
                    SubscriberStatus.active,
                ])
            return db.changesCount
        }
    }

    /// Marks the edition complete (nothing left to attempt).
    public func completeEdition(_ id: String, now: Date = Date()) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE editions SET completed_at = ? WHERE id = ? AND completed_at IS NULL",
                arguments: [now.timeIntervalSince1970, id])
        }
    }
}
