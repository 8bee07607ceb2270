import Foundation
import GRDB
import VigieCore

/// A citizen's report of a cluster as stored: its raw bytes and who sent it (for redaction and attachments).
public struct StoredClusterReport: Sendable {
    public var reportID: Int64
    public var receivedAt: Date
    public var raw: [UInt8]
    public var truncated: Bool
    public var fromAddress: String?
    public var fromName: String?
    /// `Reply-To` addresses, as parsed at intake.
    public var replyTo: [String]

    public init(
        reportID: Int64, receivedAt: Date, raw: [UInt8], truncated: Bool, fromAddress: String?, fromName: String?,
        replyTo: [String]
    ) {
        self.reportID = reportID
        self.receivedAt = receivedAt
        self.raw = raw
        self.truncated = truncated
        self.fromAddress = fromAddress
        self.fromName = fromName
        self.replyTo = replyTo
    }
}

/// What the platform-replies processor made of one stored message.
public struct PlatformReplyOutcome: Sendable {
    public var storedMessageID: Int64
    public var status: MessageStatus
    public var error: String?
    /// nil when the message could not be parsed (kept as `unparsed` with its error).
    public var reply: PlatformReply?

    public init(storedMessageID: Int64, status: MessageStatus, error: String?, reply: PlatformReply?) {
        self.storedMessageID = storedMessageID
        self.status = status
        self.error = error
        self.reply = reply
    }
}

extension Store {
    /// Records a notice mailed to the platform: the cluster marked per `change` (notified, channel `email`,
    /// reference = the Message-ID), the `notices` row and the outbox message, in one transaction — a notice is never
    /// enqueued without the cluster saying so, nor the reverse. Returns the notice's row id.
    public func recordMailedNotice(
        clusterID: Int64, change: ModerationChange, rules: ModerationRules, notice: OutboxItem,
        platform: Platform, now: Date = Date()
    ) throws -> Int64 {
        try pool.write { db in
            _ = try Self.applyModeration(db, clusterID: clusterID, change: change, rules: rules, now: now)
            guard try Self.enqueue(db, [notice], now: now).count == 1 else {
                // Two notifies of one cluster at once: the later one rolls back whole.
                throw ModerationError(
                    clusterID: clusterID,
                    message: "another notice (\(notice.dedupeKey)) was recorded meanwhile; nothing was sent twice, "
                        + "see vigie clusters show \(clusterID)")
            }
            try db.execute(
                sql: """
                    INSERT INTO notices (cluster_id, message_id, platform, recipient, dedupe_key, author, created_at,
                        message)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    clusterID, notice.messageID, platform, notice.recipient, notice.dedupeKey, change.author,
                    now.timeIntervalSince1970, Data(notice.bytes),
                ])
            return db.lastInsertedRowID
        }
    }

    /// The notices mailed about cluster `id`, oldest first, with their outbox state.
    public func notices(clusterID id: Int64) throws -> [SentNotice] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT n.id, n.cluster_id, n.message_id, n.platform, n.recipient, n.author, n.created_at, o.state
                    FROM notices n LEFT JOIN outbox o ON o.dedupe_key = n.dedupe_key
                    WHERE n.cluster_id = ? ORDER BY n.created_at, n.id
                    """, arguments: [id]
            ).map { r in
                let state: String? = r["state"]
                return SentNotice(
                    id: r["id"], clusterID: r["cluster_id"], messageID: r["message_id"],
                    platform: try r.decodeStored(Platform.self, "platform", table: "notices"),
                    recipient: r["recipient"], author: r["author"],
                    createdAt: Date(timeIntervalSince1970: r["created_at"]),
                    state: state.flatMap(OutboxState.init(rawValue:)))
            }
        }
    }

    /// The notices of cluster `id` as mailed (their exact bytes), oldest first: for the evidence export.
    public func noticeMessages(clusterID id: Int64) throws -> [(messageID: String, bytes: [UInt8])] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT message_id, message FROM notices WHERE cluster_id = ? ORDER BY created_at, id",
                arguments: [id]
            ).map { r in (r["message_id"], [UInt8](r["message"] as Data)) }
        }
    }

    /// The first of `messageIDs` (in the order given) that is one of our notices: its row id, cluster and id.
    public func matchNotice(messageIDs: [String]) throws -> (noticeID: Int64, clusterID: Int64, messageID: String)? {
        guard !messageIDs.isEmpty else { return nil }
        return try pool.read { db in
            for id in messageIDs {
                if let r = try Row.fetchOne(
                    db, sql: "SELECT id, cluster_id FROM notices WHERE message_id = ?", arguments: [id])
                {
                    return (r["id"], r["cluster_id"], id)
                }
            }
            return nil
        }
    }

    /// Saves what the platform-replies processor found: each message's status, and its reply row (matched or not).
    public func savePlatformReplies(_ outcomes: [PlatformReplyOutcome]) throws {
        guard !outcomes.isEmpty else { return }
        try pool.write { db in
            for o in outcomes {
                try db.execute(
                    sql: "UPDATE messages SET status = ?, parse_error = ? WHERE id = ?",
                    arguments: [o.status, o.error, o.storedMessageID])
                guard let r = o.reply else { continue }
                let notice: Int64? =
                    try r.noticeMessageID.flatMap {
                        try Int64.fetchOne(db, sql: "SELECT id FROM notices WHERE message_id = ?", arguments: [$0])
                    }
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO platform_replies (message_id, notice_id, cluster_id, received_at,
                            from_address, subject, excerpt) VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        o.storedMessageID, notice, r.clusterID, r.receivedAt.timeIntervalSince1970, r.from,
                        r.subject, r.excerpt,
                    ])
            }
        }
    }

    /// Platform replies, newest first: of one cluster, the unmatched ones only, or all; received in `[since, until)`.
    public func platformReplies(
        clusterID: Int64? = nil, unmatchedOnly: Bool = false, since: Date? = nil, until: Date? = nil,
        limit: Int? = nil
    ) throws -> [PlatformReply] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let clusterID {
            conditions.append("p.cluster_id = ?")
            arguments += [clusterID]
        }
        if unmatchedOnly { conditions.append("p.cluster_id IS NULL") }
        if let since {
            conditions.append("p.received_at >= ?")
            arguments += [since.timeIntervalSince1970]
        }
        if let until {
            conditions.append("p.received_at < ?")
            arguments += [until.timeIntervalSince1970]
        }
        var sql = """
            SELECT p.message_id, p.cluster_id, n.message_id AS notice, p.received_at, p.from_address, p.subject,
                p.excerpt
            FROM platform_replies p LEFT JOIN notices n ON n.id = p.notice_id
            """
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY p.received_at DESC, p.message_id DESC"
        if let limit { sql += " LIMIT \(max(0, limit))" }
        let args = arguments
        return try pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: args).map { r in
                PlatformReply(
                    messageID: r["message_id"], clusterID: r["cluster_id"], noticeMessageID: r["notice"],
                    receivedAt: Date(timeIntervalSince1970: r["received_at"]), from: r["from_address"],
                    subject: r["subject"], excerpt: r["excerpt"])
            }
        }
    }

    /// Platform replies received in `[since, until)`: how many, and how many matched no notice.
    public func platformReplyCounts(since: Date, until: Date) throws -> (total: Int, unmatched: Int) {
        try pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT count(*) AS total, coalesce(sum(cluster_id IS NULL), 0) AS unmatched FROM platform_replies
                    WHERE received_at >= ? AND received_at < ?
                    """, arguments: [since.timeIntervalSince1970, until.timeIntervalSince1970])
            return (row?["total"] ?? 0, row?["unmatched"] ?? 0)
        }
    }

    /// Every citizen report linked to cluster `id` (parsed ones), oldest first, with its raw bytes.
    public func clusterReports(clusterID id: Int64) throws -> [StoredClusterReport] {
        try pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT m.id, m.received_at, m.truncated, raw.raw, r.from_address, r.from_name, r.reply_to
                    FROM messages m
                    JOIN reports r ON r.message_id = m.id
                    JOIN message_raw raw ON raw.message_id = m.id
                    WHERE m.id IN (SELECT report_id FROM report_urls WHERE cluster_id = ?)
                    ORDER BY m.received_at, m.id
                    """, arguments: [id])
            return try rows.map { r in
                let id: Int64 = r["id"]
                let text: String = r["reply_to"]
                let replyTo: [String]
                do {
                    replyTo = try JSONDecoder().decode([String].self, from: Data(text.utf8))
                } catch {
                    throw UndecodableStoredValueError(column: "reports.reply_to", row: "report \(id)", error: error)
                }
                let raw: Data = r["raw"]
                return StoredClusterReport(
                    reportID: id, receivedAt: Date(timeIntervalSince1970: r["received_at"]), raw: [UInt8](raw),
                    truncated: r["truncated"], fromAddress: r["from_address"], fromName: r["from_name"],
                    replyTo: replyTo)
            }
        }
    }
}
