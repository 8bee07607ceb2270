import Foundation
import GRDB
import VigieCore

/// Why adding a subscriber was refused.
public struct SubscriberError: Error, CustomStringConvertible {
    public var description: String
}

extension Store {
    /// Imports rows in one transaction: new addresses become active, active ones get their name/language updated,
    /// and addresses that unsubscribed or bounced stay out.
    public func importSubscribers(_ rows: [SubscriberRow], now: Date = Date()) throws -> ImportSummary {
        try pool.write { db in
            var s = ImportSummary()
            let find = try db.cachedStatement(
                sql: "SELECT id, status, name, language FROM subscribers WHERE email_key = ?")
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO subscribers (email, email_key, name, language, status, created_at, updated_at,
                        status_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let update = try db.cachedStatement(
                sql: "UPDATE subscribers SET name = ?, language = ?, updated_at = ? WHERE id = ?")
            let event = try db.cachedStatement(
                sql: "INSERT INTO subscriber_events (subscriber_id, at, event) VALUES (?, ?, ?)")
            let t = now.timeIntervalSince1970
            for r in rows {
                if let row = try Row.fetchOne(find, arguments: [r.email.lowercased()]) {
                    let status = try row.decodeStored(SubscriberStatus.self, "status", table: "subscribers")
                    guard status == .active else {
                        s.keptOut += 1
                        continue
                    }
                    let name = r.name ?? row["name"]
                    let language = r.language ?? row["language"]
                    if name != row["name"] || language != row["language"] {
                        try update.execute(arguments: [name, language, t, row["id"] as Int64])
                        s.updated += 1
                    } else {
                        s.unchanged += 1
                    }
                } else {
                    try insert.execute(arguments: [
                        r.email, r.email.lowercased(), r.name, r.language,
                        SubscriberStatus.active, t, t, t,
                    ])
                    let id = db.lastInsertedRowID
                    try event.execute(arguments: [id, t, SubscriberEvent.imported])
                    try Self.recordConsent(
                        db, id: id, action: .subscribed, channel: .import, requestedAt: nil, detail: nil, now: now)
                    s.imported += 1
                }
            }
            return s
        }
    }

    /// Adds one subscriber; an address that left is only taken back with `resubscribe` (the person asked again).
    @discardableResult
    public func addSubscriber(_ r: SubscriberRow, resubscribe: Bool = false, now: Date = Date()) throws -> Subscriber {
        try pool.write { db in
            let t = now.timeIntervalSince1970
            if let row = try Row.fetchOne(
                db, sql: "SELECT id, status FROM subscribers WHERE email_key = ?",
                arguments: [r.email.lowercased()])
            {
                let id: Int64 = row["id"]
                let status = try row.decodeStored(SubscriberStatus.self, "status", table: "subscribers")
                if status != .active {
                    guard resubscribe else {
                        throw SubscriberError(
                            description: "\(r.email) is \(status); pass --resubscribe only if this "
                                + "person asked to receive the newsletter again")
                    }
                    try db.execute(
                        sql: """
                            UPDATE subscribers SET status = ?, status_changed_at = ?, status_reason = ?,
                                token_salt = token_salt + 1, bounces = 0, updated_at = ? WHERE id = ?
                            """, arguments: [SubscriberStatus.active, t, SubscriberEvent.resubscribed.rawValue, t, id])
                    try db.execute(
                        sql: "INSERT INTO subscriber_events (subscriber_id, at, event) VALUES (?, ?, ?)",
                        arguments: [id, t, SubscriberEvent.resubscribed])
                    try Self.recordConsent(
                        db, id: id, action: .subscribed, channel: .command, requestedAt: nil, detail: nil, now: now)
                }
                try db.execute(
                    sql: """
                        UPDATE subscribers SET name = coalesce(?, name), language = coalesce(?, language), updated_at = ?
                        WHERE id = ?
                        """, arguments: [r.name, r.language, t, id])
                return try Self.subscriber(db, id: id)!
            }
            try db.execute(
                sql: """
                    INSERT INTO subscribers (email, email_key, name, language, status, created_at, updated_at,
                        status_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [r.email, r.email.lowercased(), r.name, r.language, SubscriberStatus.active, t, t, t])
            let id = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO subscriber_events (subscriber_id, at, event) VALUES (?, ?, ?)",
                arguments: [id, t, SubscriberEvent.added])
            try Self.recordConsent(
                db, id: id, action: .subscribed, channel: .command, requestedAt: nil, detail: nil, now: now)
            return try Self.subscriber(db, id: id)!
        }
    }

    /// Moves a subscriber out of the active list (unsubscribed or bounced); idempotent. Pending deliveries to them
    /// are withdrawn so an edition being sent stops at once for this address.
    @discardableResult
    public func setSubscriberStatus(
        email: String, to status: SubscriberStatus, reason: String?, channel: ConsentChannel? = nil,
        now: Date = Date()
    )
        throws -> Subscriber?
    {
        try pool.write { db in
            guard
                let id = try Int64.fetchOne(
                    db, sql: "SELECT id FROM subscribers WHERE email_key = ?",
                    arguments: [email.lowercased()])
            else { return nil }
            try Self.setStatus(db, id: id, status: status, reason: reason, now: now, channel: channel)
            return try Self.subscriber(db, id: id)
        }
    }

    /// Same as `setSubscriberStatus(email:)`, by id (from a verified unsubscribe or bounce token). With `causedBy`
    /// (the stored message that asked for it), a message acts on a subscriber once, however often it is processed.
    @discardableResult
    public func setSubscriberStatus(
        id: Int64, to status: SubscriberStatus, reason: String?, causedBy: Int64? = nil,
        channel: ConsentChannel? = nil, now: Date = Date()
    ) throws -> Subscriber? {
        try pool.write { db in
            guard try Self.subscriber(db, id: id) != nil else { return nil }
            if try Self.firstEffect(db, of: causedBy, on: id, now: now) {
                try Self.setStatus(db, id: id, status: status, reason: reason, now: now, channel: channel)
            }
            return try Self.subscriber(db, id: id)
        }
    }

    /// Records that `message` acted on `subscriber`; false if it already had (nothing to do again). True without a
    /// message (a one-click link or a command is not replayed).
    static func firstEffect(_ db: Database, of message: Int64?, on subscriber: Int64, now: Date) throws -> Bool {
        guard let message else { return true }
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO subscriber_effects (message_id, subscriber_id, at) VALUES (?, ?, ?)
                """, arguments: [message, subscriber, now.timeIntervalSince1970])
        return db.changesCount > 0
    }

    /// With `channel`, a move in or out of the active list is also written to the consent history.
    static func setStatus(
        _ db: Database, id: Int64, status: SubscriberStatus, reason: String?, now: Date,
        channel: ConsentChannel? = nil
    ) throws {
        let t = now.timeIntervalSince1970
        if let channel,
            let before = try SubscriberStatus.fetchOne(
                db, sql: "SELECT status FROM subscribers WHERE id = ?", arguments: [id]),
            (before == .active) != (status == .active)
        {
            try recordConsent(
                db, id: id, action: status == .active ? .subscribed : .unsubscribed, channel: channel,
                requestedAt: nil, detail: reason, now: now)
        }
        let bump = status == .bounced ? 1 : 0
        try db.execute(
            sql: """
                UPDATE subscribers SET status_changed_at = CASE WHEN status = ? THEN status_changed_at ELSE ? END,
                    status = ?, status_reason = coalesce(?, status_reason), bounces = bounces + ?, updated_at = ?
                WHERE id = ?
                """, arguments: [status, t, status, reason, bump, t, id])
        try db.execute(
            sql: "INSERT INTO subscriber_events (subscriber_id, at, event, detail) VALUES (?, ?, ?, ?)",
            arguments: [id, t, SubscriberEvent(movingTo: status), reason])
        if status != .active {
            try db.execute(
                sql: """
                    UPDATE deliveries SET state = ?, next_attempt_at = NULL, last_reply = ?, updated_at = ?
                    WHERE subscriber_id = ? AND state IN (?, ?)
                    """,
                arguments: [
                    DeliveryStatus.skipped, "not sent: subscriber \(status.rawValue)", t, id,
                    DeliveryStatus.pending, DeliveryStatus.deferred,
                ])
        }
    }

    /// One subscriber by address.
    public func subscriber(email: String) throws -> Subscriber? {
        try pool.read { db in
            guard
                let id = try Int64.fetchOne(
                    db, sql: "SELECT id FROM subscribers WHERE email_key = ?",
                    arguments: [email.lowercased()])
            else { return nil }
            return try Self.subscriber(db, id: id)
        }
    }

    /// One subscriber by id.
    public func subscriber(id: Int64) throws -> Subscriber? {
        try pool.read { db in try Self.subscriber(db, id: id) }
    }

    /// A subscriber's history: (time, event, detail).
    public func subscriberEvents(id: Int64) throws -> [(at: Date, event: SubscriberEvent, detail: String?)] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT at, event, detail FROM subscriber_events WHERE subscriber_id = ? ORDER BY id",
                arguments: [id]
            ).map { r in
                (
                    Date(timeIntervalSince1970: r["at"]),
                    try r.decodeStored(SubscriberEvent.self, "event", table: "subscriber_events"), r["detail"]
                )
            }
        }
    }

    /// Counts by status.
    public func subscriberCounts() throws -> SubscriberCounts {
        try pool.read { db in
            var c = SubscriberCounts(active: 0, unsubscribed: 0, bounced: 0)
            for r in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM subscribers GROUP BY status") {
                switch try r.decodeStored(SubscriberStatus.self, "status", table: "subscribers") {
                case .active: c.active = r["n"]
                case .unsubscribed: c.unsubscribed = r["n"]
                case .bounced: c.bounced = r["n"]
                }
            }
            return c
        }
    }

    /// Every subscriber, by id, optionally of one status.
    public func allSubscribers(status: SubscriberStatus? = nil) throws -> [Subscriber] {
        try pool.read { db in
            var sql = "SELECT * FROM subscribers"
            var args: StatementArguments = []
            if let status {
                sql += " WHERE status = ?"
                args += [status]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: args).map { try Self.subscriber(row: $0) }
        }
    }

    static func subscriber(_ db: Database, id: Int64) throws -> Subscriber? {
        try Row.fetchOne(db, sql: "SELECT * FROM subscribers WHERE id = ?", arguments: [id])
            .map { try subscriber(row: $0) }
    }

    static func subscriber(row r: Row) throws -> Subscriber {
        Subscriber(
            id: r["id"], email: r["email"], name: r["name"], language: r["language"],
            status: try r.decodeStored(SubscriberStatus.self, "status", table: "subscribers"),
            tokenSalt: r["token_salt"],
            createdAt: Date(timeIntervalSince1970: r["created_at"]),
            statusChangedAt: (r["status_changed_at"] as Double?).map { Date(timeIntervalSince1970: $0) },
            statusReason: r["status_reason"], bounces: r["bounces"])
    }
}

extension Store {
    /// Counts a temporary bounce; after `limit` of them in a row the subscriber is marked bounced. With `causedBy`
    /// (the stored DSN), a bounce is counted once however often its message is processed (a crash before its
    /// outcome was saved makes the next run process it again).
    @discardableResult
    public func recordSoftBounce(
        id: Int64, detail: String, limit: Int = 5, causedBy: Int64? = nil,
        now: Date = Date()
    ) throws -> Subscriber? {
        try pool.write { db in
            guard let s = try Self.subscriber(db, id: id) else { return nil }
            guard try Self.firstEffect(db, of: causedBy, on: id, now: now) else { return s }
            let t = now.timeIntervalSince1970
            try db.execute(
                sql: "UPDATE subscribers SET bounces = bounces + 1, updated_at = ? WHERE id = ?",
                arguments: [t, id])
            try db.execute(
                sql: "INSERT INTO subscriber_events (subscriber_id, at, event, detail) VALUES (?, ?, ?, ?)",
                arguments: [id, t, SubscriberEvent.softBounce, detail])
            if s.status == .active && s.bounces + 1 >= limit {
                try Self.setStatus(
                    db, id: id, status: .bounced, reason: "\(limit) temporary bounces: \(detail)", now: now,
                    channel: .bounce)
            }
            return try Self.subscriber(db, id: id)
        }
    }
}
