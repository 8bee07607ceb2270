import Foundation
import GRDB
import VigieCore

extension Store {
    /// Stored messages, newest first, optionally of one status.
    public func reports(
        status: MessageStatus? = nil, limit: Int? = nil, role: IntakeRole = .reports
    ) throws
        -> [ReportSummary]
    {
        try pool.read { db in
            var sql = """
                SELECT m.id, m.message_id, m.received_at, m.status, r.from_address, r.from_name, r.subject
                FROM messages m LEFT JOIN reports r ON r.message_id = m.id WHERE m.role = ?
                """
            var args: StatementArguments = [role]
            if let status {
                sql += " AND m.status = ?"
                args += [status]
            }
            sql += " ORDER BY m.id DESC"
            if let limit {
                sql += " LIMIT ?"
                args += [limit]
            }
            let rows = try Row.fetchAll(db, sql: sql, arguments: args)
            let urls = try urlsByReport(db, ids: rows.map { $0["id"] as Int64 })
            return try rows.map { row in try summary(row, urls: urls[row["id"] as Int64] ?? []) }
        }
    }

    /// One stored message in full, or nil.
    public func report(id: Int64) throws -> ReportDetail? {
        try pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT m.id, m.message_id, m.received_at, m.status, m.mailbox, m.uid, m.size, m.sha256, m.parse_error,
                               r.from_address, r.from_name, r.subject, r.date, r.reply_to, r.in_reply_to, r.text, r.attachments,
                               r.automatic_reason, r.warnings, m.message_id_collision
                        FROM messages m LEFT JOIN reports r ON r.message_id = m.id WHERE m.id = ?
                        """, arguments: [id])
            else { return nil }
            let urls = try urlsByReport(db, ids: [id])[id] ?? []
            let decoder = JSONDecoder()
            // NULL only when the message has no report row (never parsed); stored JSON that does not decode throws.
            func decode<T: Decodable>(_ column: String, as type: T.Type, absent value: T) throws -> T {
                guard let text: String = row[column] else { return value }
                do {
                    return try decoder.decode(T.self, from: Data(text.utf8))
                } catch {
                    throw UndecodableStoredValueError(column: "reports." + column, row: "message \(id)", error: error)
                }
            }
            return ReportDetail(
                summary: try summary(row, urls: urls),
                mailbox: row["mailbox"], uid: row["uid"], size: row["size"], sha256: row["sha256"],
                date: (row["date"] as Double?).map { Date(timeIntervalSince1970: $0) },
                replyTo: try decode("reply_to", as: [String].self, absent: []),
                inReplyTo: row["in_reply_to"], text: row["text"],
                attachments: try decode("attachments", as: [AttachmentInfo].self, absent: []),
                automaticReason: row["automatic_reason"], parseError: row["parse_error"],
                warnings: try decode("warnings", as: [String].self, absent: []),
                messageIDCollision: row["message_id_collision"] as Int64?)
        }
    }

    /// The raw bytes of a stored message, exactly as fetched.
    public func rawMessage(id: Int64) throws -> [UInt8]? {
        try pool.read { db in
            (try Data.fetchOne(db, sql: "SELECT raw FROM message_raw WHERE message_id = ?", arguments: [id]))
                .map { [UInt8]($0) }
        }
    }

    private func summary(_ row: Row, urls: [String]) throws -> ReportSummary {
        var from: String? = row["from_address"]
        if let addr = from, let name: String = row["from_name"], !name.isEmpty { from = "\(name) <\(addr)>" }
        return ReportSummary(
            id: row["id"], messageID: row["message_id"], from: from, subject: row["subject"],
            receivedAt: Date(timeIntervalSince1970: row["received_at"]), urls: urls,
            status: try row.decodeStored(MessageStatus.self, "status", table: "messages"))
    }

    private func urlsByReport(_ db: Database, ids: [Int64]) throws -> [Int64: [String]] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: [String]] = [:]
        // Chunked to stay under SQLite's parameter limit.
        for chunk in ids.chunked(500) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT report_id, url FROM report_urls WHERE report_id IN (\(marks)) ORDER BY report_id, position
                    """, arguments: StatementArguments(chunk))
            for r in rows { out[r["report_id"], default: []].append(r["url"]) }
        }
        return out
    }
}
