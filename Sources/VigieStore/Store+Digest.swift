import Foundation
import GRDB
import VigieCore

/// What happened in a digest's window.
public struct DigestCounts: Sendable, Equatable {
    public var newReports = 0
    /// Reporters whose first report falls in the window.
    public var newCitizens = 0
    public var newClusters = 0
    /// Clusters moved to each status in the window (a cluster counted once per status).
    public var qualified = 0
    public var notified = 0
    public var removed = 0

    public init() {}
}

/// One report of a cluster as the digest quotes it: the raw words and what must be masked in them.
public struct DigestReportSample: Sendable, Equatable {
    public var receivedAt: Date
    public var text: String?
    /// The reporter's name, address and normalised address: never shown, only masked out of `text`.
    public var identities: [String]
    public var attachments: [AttachmentInfo]
}

/// A cluster of the digest's top list, with what the digest shows of it.
public struct DigestClusterRecord: Sendable, Equatable {
    public var summary: ClusterSummary
    /// Distinct reporters whose first report of it falls in the window.
    public var newReporters: Int
    /// Distinct URLs citizens wrote for it (`summary.urls` holds the first few).
    public var urlCount: Int
    /// The latest reports, newest first.
    public var samples: [DigestReportSample]
}

/// A cluster notified to its platform with no outcome recorded since.
public struct StaleNotification: Sendable, Equatable {
    public var id: Int64
    public var platform: Platform
    public var canonicalURL: String
    public var notifiedAt: Date
    public var channel: String?
    public var platformRef: String?
}

/// A cluster over the alert threshold that was never alerted.
public struct AlertCandidate: Sendable, Equatable {
    public var summary: ClusterSummary
    /// Distinct reporters active within the window.
    public var windowReporters: Int
}

extension Store {
    /// Counts of what happened in [since, until).
    public func digestCounts(since: Date, until: Date) throws -> DigestCounts {
        try pool.read { db in
            let args: StatementArguments = [
                "since": since.timeIntervalSince1970, "until": until.timeIntervalSince1970,
                "parsed": MessageStatus.parsed, "role": IntakeRole.reports.rawValue,
            ]
            var c = DigestCounts()
            c.newReports =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM messages INDEXED BY messages_received
                        WHERE received_at >= :since AND received_at < :until AND status = :parsed AND role = :role
                        """, arguments: args) ?? 0
            // A citizen is new when no report of theirs came before the window: "before" read as an earlier id
            // (ids follow arrival), so the check stays inside the reporter index.
            let firstID =
                try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT min(id) FROM messages INDEXED BY messages_received WHERE received_at >= :since
                        """, arguments: args) ?? Int64.max
            c.newCitizens =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM (
                            SELECT DISTINCT r.reporter FROM messages m INDEXED BY messages_received
                            JOIN reports r ON r.message_id = m.id
                            WHERE m.received_at >= :since AND m.received_at < :until AND m.status = :parsed
                                AND r.reporter IS NOT NULL AND r.reporter != '') x
                        WHERE NOT EXISTS (
                            SELECT 1 FROM reports r2 INDEXED BY reports_reporter
                            WHERE r2.reporter = x.reporter AND r2.message_id < :first)
                        """, arguments: args + ["first": firstID]) ?? 0
            c.newClusters =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM clusters WHERE first_reported >= :since AND first_reported < :until
                            AND reports > 0
                        """, arguments: args) ?? 0
            for r in try Row.fetchAll(
                db,
                sql: """
                    SELECT to_status, count(DISTINCT cluster_id) AS n FROM cluster_events
                    WHERE at >= :since AND at < :until GROUP BY to_status
                    """, arguments: args)
            {
                let n: Int = r["n"]
                switch try r.decodeStored(ModerationStatus.self, "to_status", table: "cluster_events") {
                case .qualified: c.qualified = n
                case .notified: c.notified = n
                case .removed: c.removed = n
                default: break
                }
            }
            return c
        }
    }

    /// The clusters new or rising since `since` (a distinct reporter new to them, or first reported then), still
    /// open (not removed nor rejected), highest priority first, at most `limit`; with up to `urls` original URLs and
    /// `samples` latest reports each. Reads only the window's reporters (an index range) and the listed clusters.
    public func digestTopClusters(
        since: Date, now: Date, limit: Int, urls: Int = 5, samples: Int = 3,
        weights: PriorityWeights
    ) throws -> [DigestClusterRecord] {
        try pool.read { db in
            let day = now.timeIntervalSince1970 - 86_400
            // Ranked on a few plain columns (a busy day lists tens of thousands of candidates); only the `limit`
            // kept are read whole.
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    WITH w AS (
                        SELECT cluster_id, sum(first_at >= :since) AS fresh, sum(last_at >= :day) AS recent
                        FROM cluster_reporters INDEXED BY cluster_reporters_last
                        WHERE last_at >= min(:since, :day) GROUP BY cluster_id)
                    SELECT c.id, c.reporters, c.last_reported, w.fresh, w.recent FROM w JOIN clusters c ON c.id = w.cluster_id
                    WHERE c.reports > 0 AND c.status NOT IN (:removed, :rejected)
                        AND (w.fresh > 0 OR c.first_reported >= :since)
                    UNION ALL
                    -- Clusters first reported in the window by reports without a reporter (none in w).
                    SELECT c.id, c.reporters, c.last_reported, 0, 0 FROM clusters c INDEXED BY clusters_first_reported
                    WHERE c.first_reported >= :since AND c.reports > 0 AND c.status NOT IN (:removed, :rejected)
                        AND c.id NOT IN (SELECT cluster_id FROM w)
                    """,
                arguments: [
                    "since": since.timeIntervalSince1970, "day": day,
                    "removed": ModerationStatus.removed, "rejected": ModerationStatus.rejected,
                ])
            struct Candidate {
                var id: Int64
                var priority: Double
                var fresh: Int
                var reporters: Int
                var recent: Int
            }
            var candidates: [Candidate] = []
            while let r = try cursor.next() {
                let reporters: Int = r[1]
                let recent: Int = r[4]
                let last = (r[2] as Double?).map { Date(timeIntervalSince1970: $0) }
                candidates.append(
                    Candidate(
                        id: r[0],
                        priority: weights.score(
                            reporters: reporters, recentReporters: recent, lastReported: last,
                            now: now),
                        fresh: r[3], reporters: reporters, recent: recent))
            }
            candidates.sort {
                ($0.priority, $0.fresh, $0.reporters, -$0.id) > ($1.priority, $1.fresh, $1.reporters, -$1.id)
            }
            return try candidates.prefix(limit).compactMap { c -> DigestClusterRecord? in
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT *, ? AS recent FROM clusters WHERE id = ?",
                        arguments: [c.recent, c.id])
                else { return nil }
                return try digestRecord(
                    db, try summary(row, weights: weights, now: now), newReporters: c.fresh,
                    urls: urls, samples: samples)
            }
        }
    }

    /// The original URLs (first few, and how many), and the latest reports of one cluster; bounded by LIMITs and
    /// read through the cluster's index, whatever its size.
    private func digestRecord(
        _ db: Database, _ s: ClusterSummary, newReporters: Int, urls: Int, samples: Int
    )
        throws -> DigestClusterRecord
    {
        var summary = s
        summary.urls = try String.fetchAll(
            db,
            sql: """
                SELECT url FROM report_urls WHERE cluster_id = ? GROUP BY url ORDER BY min(rowid) LIMIT ?
                """, arguments: [s.id, urls])
        let urlCount =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(DISTINCT url) FROM report_urls WHERE cluster_id = ?
                    """, arguments: [s.id]) ?? 0
        // rowid order within one cluster id is the index's own order: no sort of a big cluster's links.
        let reports = try Row.fetchAll(
            db,
            sql: """
                SELECT m.received_at, r.text, r.from_name, r.from_address, r.reporter, r.attachments
                FROM (SELECT DISTINCT report_id FROM (SELECT report_id FROM report_urls WHERE cluster_id = ?
                      ORDER BY rowid DESC LIMIT ?)) ru
                JOIN reports r ON r.message_id = ru.report_id JOIN messages m ON m.id = ru.report_id
                ORDER BY m.received_at DESC, ru.report_id DESC
                """, arguments: [s.id, samples * 4])
        var list: [DigestReportSample] = []
        for r in reports.prefix(samples) {
            let attachmentsJSON: String = r["attachments"] ?? "[]"
            let attachments: [AttachmentInfo]
            do {
                attachments = try JSONDecoder().decode([AttachmentInfo].self, from: Data(attachmentsJSON.utf8))
            } catch {
                throw UndecodableStoredValueError(column: "reports.attachments", row: "cluster \(s.id)", error: error)
            }
            let identities = [r["from_name"], r["from_address"], r["reporter"]].compactMap { $0 as String? }
            list.append(
                DigestReportSample(
                    receivedAt: Date(timeIntervalSince1970: r["received_at"]),
                    text: r["text"], identities: identities, attachments: attachments))
        }
        return DigestClusterRecord(summary: summary, newReporters: newReporters, urlCount: urlCount, samples: list)
    }

    /// Accounts with at least `minPosts` reported contents, among those with a content reported since `since`;
    /// most posts first, at most `limit`.
    public func digestAccounts(since: Date, minPosts: Int = 2, limit: Int) throws -> [AccountSummary] {
        try pool.read { db in
            // Ranked on a covering index (no cluster row read), then the ten kept are completed.
            let ranked = try Row.fetchAll(
                db,
                sql: """
                    WITH active AS (
                        SELECT DISTINCT c.account_key FROM cluster_reporters cr INDEXED BY cluster_reporters_last
                        JOIN clusters c ON c.id = cr.cluster_id
                        WHERE cr.last_at >= :since AND c.account_key IS NOT NULL)
                    SELECT a.account_key AS account, count(*) AS posts, sum(c.reports) AS reports
                    FROM active a JOIN clusters c INDEXED BY clusters_account_posts ON c.account_key = a.account_key
                    WHERE c.kind != :accountKind AND c.reports > 0
                    GROUP BY a.account_key HAVING count(*) >= :min
                    ORDER BY posts DESC, reports DESC, a.account_key LIMIT :limit
                    """,
                arguments: [
                    "since": since.timeIntervalSince1970, "accountKind": ContentIdentity.Kind.account,
                    "min": minPosts, "limit": limit,
                ])
            return try ranked.map { r in
                let account: String = r["account"]
                let more = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT max(platform) AS platform, sum(reporters) AS reporters, max(last_reported) AS last_reported
                        FROM clusters WHERE account_key = ? AND kind != ? AND reports > 0
                        """, arguments: [account, ContentIdentity.Kind.account])
                // Reporters summed over the posts: an upper bound of the distinct ones, cheap on a big account.
                return AccountSummary(
                    key: account, platform: try (more ?? r).decodeStored(Platform.self, "platform", table: "clusters"),
                    posts: r["posts"], reporters: more?["reporters"] ?? 0, reports: r["reports"],
                    lastReported: (more?["last_reported"] as Double?).map { Date(timeIntervalSince1970: $0) })
            }
        }
    }

    /// Clusters notified before `before` and still `notified` (no outcome recorded), oldest first, at most `limit`;
    /// with how many there are in all.
    public func staleNotifications(before: Date, limit: Int) throws -> (list: [StaleNotification], total: Int) {
        try pool.read { db in
            let args: StatementArguments = [ModerationStatus.notified, before.timeIntervalSince1970]
            let total =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM clusters WHERE status = ? AND notified_at < ?
                        """, arguments: args) ?? 0
            let list = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, platform, canonical_url, notified_at, notified_channel, platform_ref FROM clusters
                    WHERE status = ? AND notified_at < ? ORDER BY notified_at, id LIMIT ?
                    """, arguments: args + [limit]
            ).map { r in
                StaleNotification(
                    id: r["id"], platform: try r.decodeStored(Platform.self, "platform", table: "clusters"),
                    canonicalURL: r["canonical_url"],
                    notifiedAt: Date(timeIntervalSince1970: r["notified_at"]),
                    channel: r["notified_channel"], platformRef: r["platform_ref"])
            }
            return (list, total)
        }
    }

    /// The latest period a job served, and when.
    public func lastScheduleRun(_ job: ScheduledJob) throws -> (period: String, at: Date)? {
        try pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT period, at FROM schedule_runs WHERE job = ? ORDER BY period DESC LIMIT 1
                    """, arguments: [job]
            ).map { ($0["period"], Date(timeIntervalSince1970: $0["at"])) }
        }
    }

    /// Records that `job` serves `period` and enqueues its mail, in one transaction; returns the dedupe keys
    /// enqueued, or nil (nothing enqueued) when the period was already recorded.
    public func recordScheduleRun(
        _ job: ScheduledJob, period: String, items: [OutboxItem], now: Date = Date()
    )
        throws -> [String]?
    {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO schedule_runs (job, period, at) VALUES (?, ?, ?) ON CONFLICT (job, period) DO NOTHING
                    """, arguments: [job, period, now.timeIntervalSince1970])
            guard db.changesCount == 1 else { return nil }
            return try Self.enqueue(db, items, now: now)
        }
    }

    /// Open clusters never alerted whose distinct reporters active since `windowStart` reach `threshold`.
    public func alertCandidates(
        threshold: Int, windowStart: Date, now: Date, weights: PriorityWeights
    ) throws
        -> [AlertCandidate]
    {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    WITH w AS (
                        SELECT cluster_id, count(*) AS n FROM cluster_reporters INDEXED BY cluster_reporters_last
                        WHERE last_at >= :start GROUP BY cluster_id HAVING count(*) >= :threshold)
                    SELECT c.*, w.n AS window_reporters,
                        (SELECT count(*) FROM cluster_reporters cr WHERE cr.cluster_id = c.id AND cr.last_at >= :day)
                            AS recent
                    FROM w JOIN clusters c ON c.id = w.cluster_id
                    WHERE NOT EXISTS (SELECT 1 FROM cluster_alerts a WHERE a.cluster_id = c.id)
                        AND c.status NOT IN (:removed, :rejected)
                    ORDER BY w.n DESC, c.id
                    """,
                arguments: [
                    "start": windowStart.timeIntervalSince1970, "threshold": threshold,
                    "day": now.timeIntervalSince1970 - 86_400,
                    "removed": ModerationStatus.removed, "rejected": ModerationStatus.rejected,
                ]
            ).map { r in
                AlertCandidate(
                    summary: try summary(r, weights: weights, now: now), windowReporters: r["window_reporters"])
            }
        }
    }

    /// The digest's view of one cluster (URLs, latest reports), for an alert.
    public func digestCluster(
        _ summary: ClusterSummary, since: Date, urls: Int = 5, samples: Int = 3
    ) throws
        -> DigestClusterRecord
    {
        try pool.read { db in
            let fresh =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM cluster_reporters WHERE cluster_id = ? AND first_at >= ?
                        """, arguments: [summary.id, since.timeIntervalSince1970]) ?? 0
            return try digestRecord(db, summary, newReporters: fresh, urls: urls, samples: samples)
        }
    }

    /// Marks the cluster alerted and enqueues its alert, in one transaction; false (nothing enqueued) when it was
    /// alerted already.
    public func recordAlert(clusterID: Int64, items: [OutboxItem], now: Date = Date()) throws -> Bool {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO cluster_alerts (cluster_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                arguments: [clusterID, now.timeIntervalSince1970])
            guard db.changesCount == 1 else { return false }
            try Self.enqueue(db, items, now: now)
            return true
        }
    }
}
