import Foundation
import GRDB
import VigieCore

extension Store {
    /// Appends one entry to a subscriber's consent history.
    static func recordConsent(
        _ db: Database, id: Int64, action: ConsentAction, channel: ConsentChannel, requestedAt: Date?,
        detail: String?, now: Date
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO consent_events (subscriber_id, at, action, channel, requested_at, detail)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [id, now.timeIntervalSince1970, action, channel, requestedAt?.timeIntervalSince1970, detail])
    }

    /// A subscriber's consent history, oldest first.
    public func consentHistory(subscriberID: Int64) throws -> [ConsentRecord] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT at, action, channel, requested_at, detail FROM consent_events
                    WHERE subscriber_id = ? ORDER BY id
                    """, arguments: [subscriberID]
            ).map { r in
                ConsentRecord(
                    at: Date(timeIntervalSince1970: r["at"]),
                    action: try r.decodeStored(ConsentAction.self, "action", table: "consent_events"),
                    channel: try r.decodeStored(ConsentChannel.self, "channel", table: "consent_events"),
                    requestedAt: (r["requested_at"] as Double?).map { Date(timeIntervalSince1970: $0) },
                    detail: r["detail"])
            }
        }
    }

    /// Records a request to join and enqueues its confirmation mail (`compose(requestID)`), in one transaction —
    /// unless this address already had one within `window`: then nothing is written and nil is returned. Requests
    /// older than `keep` that were never confirmed are deleted on the way (their links have expired).
    public func requestSubscription(
        email: String, name: String?, language: String?, channel: ConsentChannel, window: TimeInterval,
        keep: TimeInterval, now: Date = Date(), compose: (Int64) throws -> [OutboxItem]
    ) throws -> Int64? {
        try pool.write { db in
            let t = now.timeIntervalSince1970
            try db.execute(
                sql: "DELETE FROM subscription_requests WHERE confirmed_at IS NULL AND requested_at < ?",
                arguments: [t - keep])
            let recent = try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM subscription_requests WHERE email_key = ? AND requested_at > ?)",
                arguments: [email.lowercased(), t - window])
            guard recent != true else { return nil }
            try db.execute(
                sql: """
                    INSERT INTO subscription_requests (email, email_key, name, language, channel, requested_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [email, email.lowercased(), name, language, channel, t])
            let id = db.lastInsertedRowID
            _ = try Self.enqueue(db, try compose(id), now: now)
            return id
        }
    }

    /// One request to join; nil when unknown or purged.
    public func subscriptionRequest(id: Int64) throws -> SubscriptionRequest? {
        try pool.read { db in try Self.subscriptionRequest(db, id: id) }
    }

    static func subscriptionRequest(_ db: Database, id: Int64) throws -> SubscriptionRequest? {
        try Row.fetchOne(db, sql: "SELECT * FROM subscription_requests WHERE id = ?", arguments: [id]).map { r in
            SubscriptionRequest(
                id: r["id"], email: r["email"], name: r["name"], language: r["language"],
                channel: try r.decodeStored(ConsentChannel.self, "channel", table: "subscription_requests"),
                requestedAt: Date(timeIntervalSince1970: r["requested_at"]),
                confirmedAt: (r["confirmed_at"] as Double?).map { Date(timeIntervalSince1970: $0) })
        }
    }

    /// Confirms a request: the address becomes an active subscriber (new, or back after leaving: the only way back
    /// besides an operator's `--resubscribe`), and the consent is recorded with when it was asked for. Idempotent:
    /// a second confirmation changes nothing. Nil when the request is unknown.
    public func confirmSubscription(requestID: Int64, detail: String?, now: Date = Date()) throws -> Subscriber? {
        try pool.write { db in
            guard let request = try Self.subscriptionRequest(db, id: requestID) else { return nil }
            let t = now.timeIntervalSince1970
            let existing = try Row.fetchOne(
                db, sql: "SELECT id, status FROM subscribers WHERE email_key = ?",
                arguments: [request.email.lowercased()])
            if request.confirmedAt != nil, let existing {
                return try Self.subscriber(db, id: existing["id"])
            }
            let id: Int64
            if let existing {
                id = existing["id"]
                let status = try existing.decodeStored(SubscriberStatus.self, "status", table: "subscribers")
                if status != .active {
                    try db.execute(
                        sql: """
                            UPDATE subscribers SET status = ?, status_changed_at = ?, status_reason = ?,
                                token_salt = token_salt + 1, bounces = 0, updated_at = ? WHERE id = ?
                            """,
                        arguments: [SubscriberStatus.active, t, "double opt-in (\(request.channel))", t, id])
                    try db.execute(
                        sql: "INSERT INTO subscriber_events (subscriber_id, at, event, detail) VALUES (?, ?, ?, ?)",
                        arguments: [id, t, SubscriberEvent.resubscribed, "double opt-in (\(request.channel))"])
                }
                try db.execute(
                    sql: """
                        UPDATE subscribers SET name = coalesce(?, name), language = coalesce(?, language),
                            updated_at = ? WHERE id = ?
                        """, arguments: [request.name, request.language, t, id])
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO subscribers (email, email_key, name, language, status, created_at, updated_at,
                            status_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        request.email, request.email.lowercased(), request.name, request.language,
                        SubscriberStatus.active, t, t, t,
                    ])
                id = db.lastInsertedRowID
                try db.execute(
                    sql: "INSERT INTO subscriber_events (subscriber_id, at, event, detail) VALUES (?, ?, ?, ?)",
                    arguments: [id, t, SubscriberEvent.added, "double opt-in (\(request.channel))"])
            }
            try Self.recordConsent(
                db, id: id, action: .subscribed, channel: request.channel, requestedAt: request.requestedAt,
                detail: detail, now: now)
            try db.execute(
                sql: "UPDATE subscription_requests SET confirmed_at = ? WHERE id = ?", arguments: [t, requestID])
            return try Self.subscriber(db, id: id)
        }
    }

    /// Unsubscribes a subscriber by id (a verified token) and records the channel; idempotent: a subscriber
    /// already out of the list is left as is and nothing is recorded twice.
    @discardableResult
    public func unsubscribe(
        id: Int64, channel: ConsentChannel, detail: String?, causedBy: Int64? = nil, now: Date = Date()
    ) throws -> Subscriber? {
        try pool.write { db in
            guard let s = try Self.subscriber(db, id: id) else { return nil }
            guard s.status == .active, try Self.firstEffect(db, of: causedBy, on: id, now: now) else { return s }
            try Self.setStatus(db, id: id, status: .unsubscribed, reason: detail, now: now, channel: channel)
            return try Self.subscriber(db, id: id)
        }
    }
}
