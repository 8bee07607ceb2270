import Foundation
import GRDB
import VigieCore

/// A message fetched from a mailbox, ready to be stored before anything else happens to it.
public struct IncomingMessage: Sendable {
    public var uid: UInt32
    public var raw: [UInt8]
    public var size: Int
    public var truncated: Bool
    public var sha256: String
    public var messageID: String?

    public init(uid: UInt32, raw: [UInt8], size: Int, truncated: Bool, sha256: String, messageID: String?) {
        self.uid = uid
        self.raw = raw
        self.size = size
        self.truncated = truncated
        self.sha256 = sha256
        self.messageID = messageID
    }
}

/// What storing one fetched message amounted to.
public enum StoreOutcome: Sendable, Equatable {
    case inserted(id: Int64)
    /// The same bytes (sha256) are already stored under another location.
    case duplicate(of: Int64)
    /// This very (mailbox, UIDVALIDITY, UID) was stored by an earlier run.
    case alreadyStored(id: Int64)
}

/// A stored message whose parsing is due.
public struct MessageToParse: Sendable {
    public var id: Int64
    public var raw: [UInt8]
    public var truncated: Bool
    public var size: Int
    /// When it was stored (its report reference's year); nil when unknown.
    public var receivedAt: Date?

    public init(id: Int64, raw: [UInt8], truncated: Bool, size: Int, receivedAt: Date? = nil) {
        self.id = id
        self.raw = raw
        self.truncated = truncated
        self.size = size
        self.receivedAt = receivedAt
    }
}

/// The parser's verdict on one stored message.
public struct ParseOutcome: Sendable {
    public var messageID: Int64
    public var status: MessageStatus
    public var parsed: ParsedMessage?
    public var urls: [String]
    public var automaticReason: String?
    public var error: String?

    public init(
        messageID: Int64, status: MessageStatus, parsed: ParsedMessage?, urls: [String],
        automaticReason: String?, error: String?
    ) {
        self.messageID = messageID
        self.status = status
        self.parsed = parsed
        self.urls = urls
        self.automaticReason = automaticReason
        self.error = error
    }
}

extension Store {
    /// The committed checkpoint of a mailbox, nil on first visit.
    public func checkpoint(mailbox: String) throws -> IntakeCheckpoint? {
        try pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT uid_validity, last_uid FROM intake_state WHERE mailbox = ?",
                    arguments: [mailbox])
            else { return nil }
            return IntakeCheckpoint(
                uidValidity: UInt32(truncatingIfNeeded: row["uid_validity"] as Int64),
                lastUID: UInt32(truncatingIfNeeded: row["last_uid"] as Int64))
        }
    }

    /// Starts a mailbox over under a new UIDVALIDITY: the checkpoint restarts at 0 and owed actions are void.
    public func resetCheckpoint(mailbox: String, uidValidity: UInt32, now: Date = Date()) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO intake_state (mailbox, uid_validity, last_uid, updated_at) VALUES (?, ?, 0, ?)
                    ON CONFLICT(mailbox) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = 0,
                        updated_at = excluded.updated_at
                    """, arguments: [mailbox, Int64(uidValidity), now.timeIntervalSince1970])
            try db.execute(
                sql: "DELETE FROM intake_pending_actions WHERE mailbox = ? AND uid_validity != ?",
                arguments: [mailbox, Int64(uidValidity)])
        }
    }

    /// Stores a fetched batch in one transaction: each message once (by location, then sha256), the
    /// checkpoint advanced to `lastUID`, and the server actions owed for every UID of the batch recorded.
    /// With `claimed`, new rows count their first parse attempt already (the caller parses them from memory);
    /// `actionsDone` are UIDs whose server actions were done since an earlier commit, no longer owed.
    public func commit(
        batch: [IncomingMessage], queue: String, role: IntakeRole = .reports, mailbox: String,
        uidValidity: UInt32, lastUID: UInt32, claimed: Bool = false, actionsDone: [UInt32] = [], now: Date = Date()
    ) throws
        -> [StoreOutcome]
    {
        try pool.write { db in
            var outcomes: [StoreOutcome] = []
            outcomes.reserveCapacity(batch.count)
            let byLocation = try db.cachedStatement(
                sql: """
                    SELECT id FROM messages WHERE mailbox = ? AND uid_validity = ? AND uid = ?
                    """)
            let bySHA = try db.cachedStatement(sql: "SELECT id FROM messages WHERE sha256 = ?")
            let byMessageID = try db.cachedStatement(
                sql: "SELECT id FROM messages WHERE message_id = ? ORDER BY id LIMIT 1")
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO messages (mailbox, queue, role, uid_validity, uid, message_id, sha256, size, truncated,
                        received_at, parse_attempts, message_id_collision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let insertRaw = try db.cachedStatement(sql: "INSERT INTO message_raw (message_id, raw) VALUES (?, ?)")
            let owe = try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO intake_pending_actions (mailbox, uid_validity, uid) VALUES (?, ?, ?)
                    """)
            let validity = Int64(uidValidity)
            let stamp = now.timeIntervalSince1970
            if !actionsDone.isEmpty {
                let done = try db.cachedStatement(
                    sql: "DELETE FROM intake_pending_actions WHERE mailbox = ? AND uid_validity = ? AND uid = ?")
                for uid in actionsDone { try done.execute(arguments: [mailbox, validity, Int64(uid)]) }
            }
            for m in batch {
                let uid = Int64(m.uid)
                try owe.execute(arguments: [mailbox, validity, uid])
                if let id = try Int64.fetchOne(byLocation, arguments: [mailbox, validity, uid]) {
                    outcomes.append(.alreadyStored(id: id))
                    continue
                }
                if let id = try Int64.fetchOne(bySHA, arguments: [m.sha256]) {
                    outcomes.append(.duplicate(of: id))
                    continue
                }
                // Other bytes under a Message-ID already seen: a different message (a careless or hostile sender
                // reusing one), stored like any other and flagged.
                let collision = try m.messageID.flatMap { try Int64.fetchOne(byMessageID, arguments: [$0]) }
                // Inserted already claimed for parsing (attempt 1): the caller parses it from memory right after.
                try insert.execute(arguments: [
                    mailbox, queue, role, validity, uid, m.messageID, m.sha256, m.size,
                    m.truncated, stamp, claimed ? 1 : 0, collision,
                ])
                let id = db.lastInsertedRowID
                try insertRaw.execute(arguments: [id, Data(m.raw)])
                outcomes.append(.inserted(id: id))
            }
            try db.execute(
                sql: """
                    INSERT INTO intake_state (mailbox, uid_validity, last_uid, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(mailbox) DO UPDATE SET uid_validity = excluded.uid_validity,
                        last_uid = max(CASE WHEN intake_state.uid_validity = excluded.uid_validity
                                            THEN intake_state.last_uid ELSE 0 END, excluded.last_uid),
                        updated_at = excluded.updated_at
                    """, arguments: [mailbox, validity, Int64(lastUID), stamp])
            return outcomes
        }
    }

    /// UIDs whose \Seen flag or move is still owed (a crash came between commit and the server action).
    public func owedActions(mailbox: String, uidValidity: UInt32) throws -> [UInt32] {
        try pool.read { db in
            try Int64.fetchAll(
                db,
                sql: """
                    SELECT uid FROM intake_pending_actions WHERE mailbox = ? AND uid_validity = ? ORDER BY uid
                    """, arguments: [mailbox, Int64(uidValidity)]
            ).map { UInt32(truncatingIfNeeded: $0) }
        }
    }

    /// Records that the server actions for these UIDs are done.
    public func clearOwedActions(mailbox: String, uidValidity: UInt32, uids: [UInt32]) throws {
        guard !uids.isEmpty else { return }
        try pool.write { db in
            let stmt = try db.cachedStatement(
                sql: """
                    DELETE FROM intake_pending_actions WHERE mailbox = ? AND uid_validity = ? AND uid = ?
                    """)
            for uid in uids { try stmt.execute(arguments: [mailbox, Int64(uidValidity), Int64(uid)]) }
        }
    }

    /// Claims up to `limit` messages awaiting parsing, counting the attempt first so that a message which crashes the
    /// parser is not retried forever: past `maxAttempts` (`Backoff.parsing`) it is marked unparsed instead.
    public func claimForParsing(
        queue: String? = nil, limit: Int, maxAttempts: Int = Backoff.parsing.maxAttempts
    )
        throws -> [MessageToParse]
    {
        try pool.write { db in
            // A nil queue means every queue.
            try db.execute(
                sql: """
                    UPDATE messages SET status = ?,
                        parse_error = 'the parser did not finish after ' || parse_attempts || ' attempts'
                    WHERE status = ? AND parse_attempts >= ? AND (? IS NULL OR queue = ?)
                    """, arguments: [MessageStatus.unparsed, MessageStatus.received, maxAttempts, queue, queue])
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT m.id, r.raw, m.truncated, m.size, m.received_at FROM messages m JOIN message_raw r ON r.message_id = m.id
                    WHERE m.status = ? AND (? IS NULL OR m.queue = ?) ORDER BY m.id LIMIT ?
                    """, arguments: [MessageStatus.received, queue, queue, limit])
            let bump = try db.cachedStatement(
                sql: "UPDATE messages SET parse_attempts = parse_attempts + 1 WHERE id = ?")
            var out: [MessageToParse] = []
            out.reserveCapacity(rows.count)
            for row in rows {
                let id: Int64 = row["id"]
                try bump.execute(arguments: [id])
                let data: Data = row["raw"]
                out.append(
                    MessageToParse(
                        id: id, raw: [UInt8](data), truncated: row["truncated"], size: row["size"],
                        receivedAt: Date(timeIntervalSince1970: row["received_at"])))
            }
            return out
        }
    }

    /// Saves parse results in one transaction, with the acknowledgements the new reports are owed (enqueued or
    /// recorded as grouped in that same transaction: a report is never saved without its acknowledgement).
    @discardableResult
    public func saveParsed(
        _ outcomes: [ParseOutcome], acknowledgements: AcknowledgementBatch? = nil
    ) throws
        -> AcknowledgementResult
    {
        guard !outcomes.isEmpty else { return AcknowledgementResult() }
        let encoder = JSONEncoder()
        return try pool.write { db in
            // Statuses go through a temporary table and one UPDATE: the CHECK on `status` costs SQLite a temporary
            // index of its allowed values at every execution of a statement that writes it, once per batch here.
            try db.execute(
                sql: """
                    CREATE TEMP TABLE IF NOT EXISTS parse_status (id INTEGER PRIMARY KEY, status TEXT, error TEXT);
                    DELETE FROM parse_status;
                    """)
            let setStatus = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO parse_status (status, error, id) VALUES (?, ?, ?)")
            let insertReport = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO reports (message_id, from_address, from_name, reporter, subject, date, reply_to,
                        in_reply_to, header_message_id, text, attachments, automatic_reason, warnings)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let clearURLs = try db.cachedStatement(sql: "DELETE FROM report_urls WHERE report_id = ?")
            let insertURL = try db.cachedStatement(
                sql: "INSERT INTO report_urls (report_id, position, url) VALUES (?, ?, ?)")
            let toLink = try db.cachedStatement(sql: "INSERT OR IGNORE INTO reports_to_link (report_id) VALUES (?)")
            for o in outcomes {
                try setStatus.execute(arguments: [o.status, o.error, o.messageID])
                guard let p = o.parsed else { continue }
                func json<T: Encodable & Collection>(_ v: T) throws -> String {
                    v.isEmpty ? "[]" : String(decoding: try encoder.encode(v), as: UTF8.self)
                }
                let replyTo = try json(p.replyTo.map(\.address))
                let attachments = try json(p.attachments)
                let warnings = try json(p.warnings)
                try insertReport.execute(arguments: [
                    o.messageID, p.from?.address, p.from?.name, p.from?.normalizedReporter, p.subject,
                    p.date?.timeIntervalSince1970, replyTo, p.inReplyTo, p.messageID, p.text, attachments,
                    o.automaticReason, warnings,
                ])
                try clearURLs.execute(arguments: [o.messageID])
                for (i, url) in o.urls.enumerated() {
                    try insertURL.execute(arguments: [o.messageID, i, url])
                }
                // Linked to clusters by a later transaction: until it commits, the report waits here (a crash
                // in between leaves it for the next start, `URLSelection.interrupted`).
                if o.status == .parsed && !o.urls.isEmpty { try toLink.execute(arguments: [o.messageID]) }
            }
            // By the messages' ids (an UPDATE … FROM would scan the whole messages table).
            try db.execute(
                sql: """
                    UPDATE messages SET status = (SELECT p.status FROM parse_status p WHERE p.id = messages.id),
                        parse_error = (SELECT p.error FROM parse_status p WHERE p.id = messages.id)
                    WHERE id IN (SELECT id FROM parse_status);
                    DELETE FROM parse_status;
                    """)
            guard let acknowledgements else { return AcknowledgementResult() }
            return try Self.enqueueAcknowledgements(db, acknowledgements)
        }
    }

    /// Number of stored messages, by status.
    public func messageCounts() throws -> [MessageStatus: Int] {
        try pool.read { db in
            var out: [MessageStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM messages GROUP BY status") {
                out[try row.decodeStored(MessageStatus.self, "status", table: "messages")] = row["n"]
            }
            return out
        }
    }
}
