import Foundation
import GRDB
import VigieCore

/// The acknowledgements a batch of new reports is owed, saved with the reports themselves.
public struct AcknowledgementBatch: Sendable {
    /// One per report, kind `.acknowledgement`, `subjectRef` `report:ID`, in report order.
    public var items: [OutboxItem]
    /// The rule that groups a later report from the same address into an earlier acknowledgement.
    public var interval: AcknowledgementInterval
    public var now: Date

    public init(items: [OutboxItem], interval: AcknowledgementInterval, now: Date = Date()) {
        self.items = items
        self.interval = interval
        self.now = now
    }
}

/// What became of a batch's acknowledgements: dedupe keys enqueued, and those recorded as grouped (state `skipped`).
public struct AcknowledgementResult: Sendable, Equatable {
    public var enqueued: [String] = []
    public var grouped: [String] = []

    public init(enqueued: [String] = [], grouped: [String] = []) {
        self.enqueued = enqueued
        self.grouped = grouped
    }
}

/// A citizen who reported a cluster, with their first report of it (the one an outcome notice answers).
public struct ClusterReporterReport: Sendable {
    /// The normalised reporter (lowercased sender, `+tag` removed): one notice each.
    public var reporter: String
    public var reportID: Int64
    public var receivedAt: Date
    /// The report's raw bytes, for the reply policy to read its headers again.
    public var raw: [UInt8]
    /// The URLs this citizen reported that belong to the cluster, as they wrote them.
    public var urls: [String]

    public init(reporter: String, reportID: Int64, receivedAt: Date, raw: [UInt8], urls: [String]) {
        self.reporter = reporter
        self.reportID = reportID
        self.receivedAt = receivedAt
        self.raw = raw
        self.urls = urls
    }
}

extension Store {
    /// Enqueues each acknowledgement, or records it as grouped (state `skipped`, the reason in `last_reply`) when an
    /// acknowledgement went to the same address within the interval. Runs inside the caller's transaction, item by
    /// item, so two reports of one batch from one address are grouped too.
    static func enqueueAcknowledgements(_ db: Database, _ batch: AcknowledgementBatch) throws -> AcknowledgementResult {
        var result = AcknowledgementResult()
        let t = batch.now.timeIntervalSince1970
        let prior = try db.cachedStatement(
            sql: """
                SELECT subject_ref, created_at FROM outbox
                WHERE kind = ? AND lower(recipient) = ? AND state NOT IN (?, ?) AND created_at > ?
                ORDER BY created_at DESC, id DESC LIMIT 1
                """)
        let grouped = try db.cachedStatement(
            sql: """
                INSERT INTO outbox (queue, kind, dedupe_key, recipient, envelope_from, message_id, message, subject_ref,
                                    state, last_reply, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (dedupe_key) DO NOTHING
                """)
        for item in batch.items {
            // A report acknowledged (or grouped) by an earlier run keeps that record.
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM outbox WHERE dedupe_key = ?", arguments: [item.dedupeKey])
                ?? false
            {
                continue
            }
            let since = batch.interval.windowStart(now: batch.now).timeIntervalSince1970
            var earlier: AcknowledgementInterval.Prior?
            if let row = try Row.fetchOne(
                prior,
                arguments: [
                    OutboxKind.acknowledgement, item.recipient.lowercased(),
                    OutboxState.skipped, OutboxState.failed, since,
                ]),
                let ref = row["subject_ref"] as String?, ref.hasPrefix("report:"), let id = Int64(ref.dropFirst(7))
            {
                let received = try Double.fetchOne(
                    db, sql: "SELECT received_at FROM messages WHERE id = ?",
                    arguments: [id])
                let at: Double = row["created_at"]
                earlier = AcknowledgementInterval.Prior(
                    reportID: id, receivedAt: Date(timeIntervalSince1970: received ?? at),
                    acknowledgedAt: Date(timeIntervalSince1970: at))
            }
            switch batch.interval.verdict(prior: earlier, now: batch.now) {
            case .send:
                result.enqueued += try enqueue(db, [item], now: batch.now)
            case .grouped(let reason):
                try grouped.execute(arguments: [
                    item.queue, item.kind, item.dedupeKey, item.recipient,
                    item.envelopeFrom, item.messageID, Data(item.bytes), item.subjectRef,
                    OutboxState.skipped, reason, t, t,
                ])
                if db.changesCount == 1 { result.grouped.append(item.dedupeKey) }
            }
        }
        return result
    }

    /// The citizens who reported cluster `id` (parsed reports only), each with their first report of it.
    static func reportersOfCluster(_ db: Database, id: Int64) throws -> [ClusterReporterReport] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT r.reporter, m.id, m.received_at, raw.raw, ru.url
                FROM report_urls ru
                JOIN reports r ON r.message_id = ru.report_id
                JOIN messages m ON m.id = r.message_id
                JOIN message_raw raw ON raw.message_id = m.id
                WHERE ru.cluster_id = ? AND m.status = ? AND r.reporter IS NOT NULL AND r.reporter <> ''
                ORDER BY m.received_at, m.id, ru.position
                """, arguments: [id, MessageStatus.parsed])
        var out: [ClusterReporterReport] = []
        var index: [String: Int] = [:]
        for row in rows {
            let reporter: String = row["reporter"]
            let reportID: Int64 = row["id"]
            let url: String = row["url"]
            if let i = index[reporter] {
                if out[i].reportID == reportID && !out[i].urls.contains(url) { out[i].urls.append(url) }
                continue
            }
            index[reporter] = out.count
            let raw: Data = row["raw"]
            out.append(
                ClusterReporterReport(
                    reporter: reporter, reportID: reportID,
                    receivedAt: Date(timeIntervalSince1970: row["received_at"]),
                    raw: [UInt8](raw), urls: [url]))
        }
        return out
    }
}
