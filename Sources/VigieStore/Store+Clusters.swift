import Foundation
import GRDB
import VigieCore

/// The content identity computed for one reported URL (report, position in the report).
public struct ClusterAssignment: Sendable, Equatable {
    public var reportID: Int64
    public var position: Int
    public var key: String
    public var platform: Platform
    public var kind: ContentIdentity.Kind
    public var accountKey: String?
    public var canonicalURL: String
    /// The report's normalised reporter and arrival time, for incremental counts.
    public var reporter: String?
    public var receivedAt: Double
    /// The reported URL's row, when known: linking by rowid is one B-tree lookup instead of two.
    public var rowID: Int64?

    public init(
        reportID: Int64, position: Int, key: String, platform: Platform, kind: ContentIdentity.Kind,
        accountKey: String?, canonicalURL: String, reporter: String? = nil, receivedAt: Double = 0,
        rowID: Int64? = nil
    ) {
        self.rowID = rowID
        self.reportID = reportID
        self.position = position
        self.key = key
        self.platform = platform
        self.kind = kind
        self.accountKey = accountKey
        self.canonicalURL = canonicalURL
        self.reporter = reporter
        self.receivedAt = receivedAt
    }

    /// A URL that is no content (garbage, a platform's bare host): linked to no cluster.
    public static func unlinked(reportID: Int64, position: Int, rowID: Int64?) -> ClusterAssignment {
        // Platform and kind are never stored for an empty key.
        ClusterAssignment(
            reportID: reportID, position: position, key: "", platform: .web, kind: .page, accountKey: nil,
            canonicalURL: "", rowID: rowID)
    }
}

/// A reported URL as the citizen wrote it.
public struct ReportedURL: Sendable, Equatable {
    public var reportID: Int64
    public var position: Int
    public var url: String
    public var reporter: String?
    public var receivedAt: Double
    public var rowID: Int64?
}

extension Store {
    /// URLs of citizen reports not yet linked to a cluster (of these reports, or of all when nil).
    public func unclusteredURLs(reportIDs: [Int64]? = nil) throws -> [ReportedURL] {
        try pool.read { db in try unclusteredURLs(db, reportIDs: reportIDs) }
    }

    func unclusteredURLs(_ db: Database, reportIDs: [Int64]?) throws -> [ReportedURL] {
        var rows: [ReportedURL] = []
        let base = """
            SELECT ru.rowid AS row_id, ru.report_id, ru.position, ru.url, r.reporter, m.received_at FROM report_urls ru
            JOIN messages m ON m.id = ru.report_id AND m.status = ?
            JOIN reports r ON r.message_id = ru.report_id
            WHERE ru.cluster_id IS NULL
            """
        if let ids = reportIDs {
            for chunk in ids.chunked(500) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                rows += try Array(
                    Row.fetchCursor(
                        db, sql: base + " AND ru.report_id IN (\(marks))",
                        arguments: [MessageStatus.parsed] + StatementArguments(chunk)
                    )
                    .map(Self.reportedURL))
            }
        } else {
            rows = try Array(
                Row.fetchCursor(
                    db, sql: base + " ORDER BY ru.report_id, ru.position",
                    arguments: [MessageStatus.parsed]
                ).map(Self.reportedURL))
        }
        return rows
    }

    /// Every URL of every citizen report, for a rebuild.
    public func allReportedURLs() throws -> [ReportedURL] {
        try pool.read { db in try allReportedURLs(db) }
    }

    func allReportedURLs(_ db: Database) throws -> [ReportedURL] {
        // Row by row through a cursor: a million `Row` copies first would double a rebuild's peak memory.
        try Array(
            Row.fetchCursor(
                db,
                sql: """
                    SELECT ru.rowid AS row_id, ru.report_id, ru.position, ru.url, r.reporter, m.received_at
                    FROM report_urls ru
                    JOIN messages m ON m.id = ru.report_id AND m.status = ?
                    JOIN reports r ON r.message_id = ru.report_id ORDER BY ru.report_id, ru.position
                    """, arguments: [MessageStatus.parsed]
            ).map(Self.reportedURL))
    }

    /// Columns by position (row_id, report_id, position, url, reporter, received_at): no name lookups per row.
    static func reportedURL(_ r: Row) -> ReportedURL {
        ReportedURL(
            reportID: r[1], position: r[2], url: r[3], reporter: r[4], receivedAt: r[5] ?? 0, rowID: r[0])
    }

    /// Links URLs to their clusters (creating clusters as needed) and updates the counts of every cluster touched.
    /// `fresh`: the reports were never linked before (intake), so counts grow by deltas; otherwise (re-linking after a
    /// short link resolved) the touched clusters are recomputed from their links. With `rebuild`, every link and
    /// count is first dropped, so the result depends only on the reports; moderation state survives because clusters
    /// are kept by key.
    @discardableResult
    public func assignClusters(
        _ assignments: [ClusterAssignment], rebuild: Bool = false, fresh: Bool = false,
        now: Date = Date()
    ) throws -> Int {
        try pool.write { db in try assignClusters(db, assignments, rebuild: rebuild, fresh: fresh, now: now) }
    }

    /// Computes the clusters of reported URLs, given a lookup of resolved short links and the moderators' overrides
    /// (both read inside the linking transaction); returns the assignments and the short links still to resolve.
    public typealias Identify = (
        [ReportedURL], _ resolvedShortLinks: ([String]) throws -> [String: String], _ overrides: IdentityOverrides
    ) throws -> (assignments: [ClusterAssignment], unresolvedShortLinks: [String])

    /// Which reported URLs `linkAtomically` reads.
    public enum URLSelection: Sendable {
        /// The URLs of these reports (of all reports when nil) not linked to a cluster yet: intake.
        case unclustered(reportIDs: [Int64]?)
        /// Every URL of every citizen report: a rebuild.
        case all
        /// Short links just resolved (short → final): the resolution recorded, the URLs citing them detached and
        /// linked to their final content, and the clusters they left recounted, all in the one transaction (a crash
        /// leaves the short link pending and its reports where they were; it is resolved again).
        case resolved([String: String])
        /// The reports saved and not linked yet (`reports_to_link`): intake's grouped linking, or what a process
        /// that died in between left.
        case interrupted
        /// Every URL now linked to these clusters, detached and linked anew (after a merge or a split), the clusters
        /// they leave recounted.
        case clusters([Int64])
    }

    /// Number of saved reports waiting to be linked to clusters (nonzero after a crash between the two commits).
    public func reportsAwaitingLink() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM reports_to_link") ?? 0 }
    }

    /// Reads the selected URLs, lets `identify` compute their clusters (given a lookup of resolved short links; it
    /// returns the short links still to resolve), queues those and links the URLs, all in one IMMEDIATE
    /// transaction. Nothing another process commits can fall between the read and the write: a rebuild (which resets
    /// and recounts everything it read) and the incremental linking of a running poll (which counts only URLs still
    /// unlinked when its transaction starts) are serialized by SQLite's write lock, so counts are always those of a
    /// clean rebuild. A rebuild (`.all` with `rebuild`) calls `identify` once per chunk of `rebuildChunk` URLs, in
    /// the same transaction, so its memory follows the chunk and the number of clusters, not the number of reports.
    /// Returns the number of clusters touched.
    @discardableResult
    public func linkAtomically(
        _ selection: URLSelection, rebuild: Bool = false, now: Date = Date(), rebuildChunk: Int = Store.rebuildChunk,
        identify: Identify
    ) throws -> Int {
        try pool.writeWithoutTransaction { db in
            // A rebuild reads the whole file: through SQLite's page cache (bounded by cache_size) rather than the
            // memory map, every page of which would stay in the process's resident memory until it ends.
            if rebuild { try db.execute(sql: "PRAGMA mmap_size = 0") }
            defer { if rebuild { try? db.execute(sql: "PRAGMA mmap_size = \(Store.mmapSize)") } }
            var touched = 0
            try db.inTransaction(.immediate) {
                touched = try link(
                    db, selection, rebuild: rebuild, now: now, chunk: max(1, rebuildChunk), identify: identify)
                return .commit
            }
            return touched
        }
    }

    func link(
        _ db: Database, _ selection: URLSelection, rebuild: Bool, now: Date, chunk: Int = Store.rebuildChunk,
        identify: Identify
    ) throws -> Int {
        var urls: [ReportedURL]
        var fresh = false
        var left: [Int64] = []
        switch selection {
        case .unclustered(let ids):
            urls = try unclusteredURLs(db, reportIDs: ids)
            fresh = true
            try reportsLinked(db, ids)
        case .interrupted:
            let ids = try Int64.fetchAll(db, sql: "SELECT report_id FROM reports_to_link ORDER BY report_id")
            urls = try unclusteredURLs(db, reportIDs: ids)
            fresh = true
            try reportsLinked(db, ids)
        case .all:
            try reportsLinked(db, nil)
            if rebuild { return try relinkEverything(db, now: now, chunk: chunk, identify: identify) }
            urls = try allReportedURLs(db)
        case .resolved(let finals):
            for (short, final) in finals.sorted(by: { $0.key < $1.key }) {
                try recordShortLink(db, short, finalURL: final, error: nil, retry: .shortLinks, now: now)
            }
            (urls, left) = try detachURLs(db, Array(finals.keys))
        case .clusters(let ids):
            (urls, left) = try detachURLs(db, clusterIDs: ids)
        }
        guard !urls.isEmpty || rebuild else { return 0 }
        let overrides = try identityOverrides(db)
        let (assignments, unresolved) = try identify(urls, { try self.resolvedShortLinks(db, $0) }, overrides)
        urls = []  // the URLs as written are no longer needed: a rebuild's peak holds only the assignments
        try queueShortLinks(db, unresolved, now: now)
        let touched = try assignClusters(db, assignments, rebuild: rebuild, fresh: fresh && !rebuild, now: now)
        try refreshClusters(db, left)
        return touched
    }

    /// Finds or creates the cluster of a key (platform, kind, account, canonical URL, time): its id.
    static let upsertCluster = upsertClusters("(?, ?, ?, ?, ?, ?)", returning: "id")

    /// The same for several keys at once (`values`: their placeholders), returning `returning` of each.
    static func upsertClusters(_ values: String, returning: String = "key, id") -> String {
        """
        INSERT INTO clusters (key, platform, kind, account_key, canonical_url, updated_at) VALUES \(values)
        ON CONFLICT(key) DO UPDATE SET account_key = coalesce(clusters.account_key, excluded.account_key)
        RETURNING \(returning)
        """
    }

    /// After a rebuild, clusters no report leads to any more are dropped unless moderators already worked on them: a
    /// change of status, or an entry of the console's audit (a merge, a split, addresses viewed). `?`: status new.
    static let dropUnworkedEmptyClusters = """
        DELETE FROM clusters WHERE reports = 0 AND status = ?
            AND NOT EXISTS (SELECT 1 FROM cluster_events e WHERE e.cluster_id = clusters.id)
            AND NOT EXISTS (SELECT 1 FROM console_audit a WHERE a.cluster_id = clusters.id)
        """

    /// How many reported URLs a rebuild reads, identifies and links at a time.
    public static let rebuildChunk = 20_000

    /// Drops these reports (all when nil) from `reports_to_link`, in the transaction that links them.
    private func reportsLinked(_ db: Database, _ ids: [Int64]?) throws {
        guard let ids else { return try db.execute(sql: "DELETE FROM reports_to_link") }
        let st = try db.cachedStatement(sql: "DELETE FROM reports_to_link WHERE report_id = ?")
        for id in ids { try st.execute(arguments: [id]) }
    }

    func assignClusters(
        _ db: Database, _ assignments: [ClusterAssignment], rebuild: Bool, fresh: Bool,
        now: Date
    ) throws -> Int {
        if fresh && !rebuild { return try linkFresh(db, assignments, now: now) }
        if rebuild {
            // Every URL is assigned again below (an empty key unlinks it): counts restart from zero.
            // The cluster index is rebuilt in one sorted pass at the end, cheaper than a million updates to it.
            try db.execute(
                sql: """
                    DROP INDEX IF EXISTS report_urls_cluster;
                    DELETE FROM cluster_reporters;
                    UPDATE clusters SET reports = 0, reporters = 0, first_reported = NULL, last_reported = NULL;
                    """)
        }
        try db.execute(
            sql: """
                CREATE TEMP TABLE IF NOT EXISTS touched (id INTEGER PRIMARY KEY);
                DELETE FROM touched;
                """)
        // One upsert per distinct content, then one keyed update per reported URL: all by primary key or the
        // unique key, so the cost follows the batch, not the size of the store.
        let upsert = try db.cachedStatement(sql: Self.upsertCluster)
        let link = try db.cachedStatement(
            sql: "UPDATE report_urls SET cluster_id = ? WHERE report_id = ? AND position = ?")
        let linkRow = try db.cachedStatement(sql: "UPDATE report_urls SET cluster_id = ? WHERE rowid = ?")
        let touch = try db.cachedStatement(sql: "INSERT OR IGNORE INTO touched (id) VALUES (?)")
        var ids: [String: Int64] = [:]
        let t = now.timeIntervalSince1970
        for a in assignments {
            if a.key.isEmpty {
                if let row = a.rowID {
                    try linkRow.execute(arguments: [nil as Int64?, row])
                } else {
                    try link.execute(arguments: [nil as Int64?, a.reportID, a.position])
                }
                continue
            }
            let id: Int64
            if let known = ids[a.key] {
                id = known
            } else {
                guard
                    let fresh = try Int64.fetchOne(
                        upsert,
                        arguments: [
                            a.key, a.platform, a.kind, a.accountKey,
                            a.canonicalURL, t,
                        ])
                else { continue }
                ids[a.key] = fresh
                try touch.execute(arguments: [fresh])
                id = fresh
            }
            if let row = a.rowID {
                try linkRow.execute(arguments: [id, row])
            } else {
                try link.execute(arguments: [id, a.reportID, a.position])
            }
        }
        if rebuild {
            try db.execute(sql: "CREATE INDEX report_urls_cluster ON report_urls(cluster_id)")
        }
        if rebuild {
            try countFromZero(db, assignments, clusterIDs: ids)
        } else {
            try refreshTouched(db)
        }
        let n = try Int.fetchOne(db, sql: "SELECT count(*) FROM touched") ?? 0
        if rebuild {
            try db.execute(sql: Self.dropUnworkedEmptyClusters, arguments: [ModerationStatus.new])
        }
        try db.execute(sql: "DELETE FROM touched")
        return n
    }

    /// Links URLs never linked before (intake) set-wise: the batch's assignments go to a temporary table, then one
    /// statement each creates the missing clusters, links the URLs, merges the reporters and adds to the counts.
    /// Existing clusters are written only when their counts change (an account key is filled in only where missing),
    /// so the cost is one B-tree walk per row, not one statement per row and per index. Counts are those a rebuild
    /// computes: one more report per (cluster, report), reporters merged by (cluster, reporter). Every statement reaches
    /// the store's tables by key (rowid, unique key, primary key), never by a scan: the cost follows the batch.
    ///
    /// In a large store each cluster updated dirties its own page of every index holding a column the UPDATE sets
    /// (SQLite rewrites an index entry whenever its column is assigned, even to the same value), and those pages are
    /// what a commit writes. So the counts are added by three UPDATEs whose SET lists only what changes for their
    /// clusters: `first_reported` only for new clusters, `reporters` (three ranking indexes) only where a reporter is
    /// new to the cluster; most clusters of a batch then leave `clusters_first_reported` untouched.
    func linkFresh(_ db: Database, _ assignments: [ClusterAssignment], now: Date) throws -> Int {
        try db.execute(
            sql: """
                CREATE TEMP TABLE IF NOT EXISTS fresh_links (
                    row_id INTEGER PRIMARY KEY, report_id INTEGER NOT NULL, key TEXT NOT NULL, reporter TEXT,
                    received_at REAL NOT NULL);
                CREATE TEMP TABLE IF NOT EXISTS fresh_clusters (
                    key TEXT PRIMARY KEY, platform TEXT NOT NULL, kind TEXT NOT NULL, account_key TEXT,
                    canonical_url TEXT NOT NULL, id INTEGER);
                -- Per cluster: reports added, their first and last arrival, reporters new to the cluster.
                CREATE TEMP TABLE IF NOT EXISTS fresh_counts (
                    id INTEGER PRIMARY KEY, n INTEGER NOT NULL, first REAL NOT NULL, last REAL NOT NULL,
                    added INTEGER NOT NULL);
                DELETE FROM fresh_links;
                DELETE FROM fresh_clusters;
                DELETE FROM fresh_counts;
                """)
        let addLink = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO fresh_links (row_id, report_id, key, reporter, received_at) VALUES (?, ?, ?, ?, ?)
                """)
        let rowOf = try db.cachedStatement(
            sql: "SELECT rowid FROM report_urls WHERE report_id = ? AND position = ?")
        let addCluster = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO fresh_clusters (key, platform, kind, account_key, canonical_url)
                VALUES (?, ?, ?, ?, ?)
                """)
        var keys = Set<String>()
        for a in assignments where !a.key.isEmpty {
            // The first assignment of a content gives its platform, kind and canonical URL, as per-row linking did.
            if keys.insert(a.key).inserted {
                try addCluster.execute(arguments: [a.key, a.platform, a.kind, a.accountKey, a.canonicalURL])
            }
            guard let row = try a.rowID ?? Int64.fetchOne(rowOf, arguments: [a.reportID, a.position]) else { continue }
            try addLink.execute(arguments: [row, a.reportID, a.key, a.reporter, a.receivedAt])
        }
        guard !keys.isEmpty else { return 0 }
        try db.execute(
            sql: """
                INSERT INTO clusters (key, platform, kind, account_key, canonical_url, updated_at)
                    SELECT key, platform, kind, account_key, canonical_url, ?1 FROM fresh_clusters WHERE true
                    ON CONFLICT(key) DO UPDATE SET account_key = excluded.account_key
                        WHERE clusters.account_key IS NULL AND excluded.account_key IS NOT NULL;
                UPDATE fresh_clusters SET id = (SELECT c.id FROM clusters c WHERE c.key = fresh_clusters.key);
                UPDATE report_urls SET cluster_id = (
                        SELECT fc.id FROM fresh_links fl JOIN fresh_clusters fc ON fc.key = fl.key
                        WHERE fl.row_id = report_urls.rowid)
                    WHERE rowid IN (SELECT row_id FROM fresh_links);
                INSERT INTO fresh_counts (id, n, first, last, added)
                    SELECT fc.id, count(DISTINCT fl.report_id), min(fl.received_at), max(fl.received_at),
                        count(DISTINCT CASE WHEN fl.reporter != '' AND NOT EXISTS (
                            SELECT 1 FROM cluster_reporters cr WHERE cr.cluster_id = fc.id AND cr.reporter = fl.reporter)
                            THEN fl.reporter END)
                    FROM fresh_links fl JOIN fresh_clusters fc ON fc.key = fl.key GROUP BY fc.id;
                INSERT INTO cluster_reporters (cluster_id, reporter, first_at, last_at, reports)
                    SELECT fc.id, fl.reporter, min(fl.received_at), max(fl.received_at), count(DISTINCT fl.report_id)
                    FROM fresh_links fl JOIN fresh_clusters fc ON fc.key = fl.key
                    WHERE fl.reporter IS NOT NULL AND fl.reporter != ''
                    GROUP BY fc.id, fl.reporter
                    ON CONFLICT(cluster_id, reporter) DO UPDATE SET first_at = min(first_at, excluded.first_at),
                        last_at = max(last_at, excluded.last_at), reports = reports + excluded.reports;
                UPDATE clusters SET reports = clusters.reports + d.n, last_reported = max(clusters.last_reported, d.last)
                    FROM fresh_counts d
                    WHERE clusters.id = d.id AND d.added = 0 AND clusters.first_reported <= d.first;
                UPDATE clusters SET reports = clusters.reports + d.n, reporters = clusters.reporters + d.added,
                        last_reported = max(clusters.last_reported, d.last)
                    FROM fresh_counts d
                    WHERE clusters.id = d.id AND d.added > 0 AND clusters.first_reported <= d.first;
                UPDATE clusters SET reports = clusters.reports + d.n, reporters = clusters.reporters + d.added,
                        first_reported = d.first, last_reported = max(coalesce(clusters.last_reported, d.last), d.last)
                    FROM fresh_counts d
                    WHERE clusters.id = d.id AND (clusters.first_reported IS NULL OR clusters.first_reported > d.first);
                """, arguments: [now.timeIntervalSince1970])
        let touched = keys.count
        try db.execute(sql: "DELETE FROM fresh_links; DELETE FROM fresh_clusters; DELETE FROM fresh_counts;")
        return touched
    }

    /// Counts after the one-pass rebuild reset them: one report per (cluster, report), reporters merged — aggregated
    /// here, then rows appended in key order, one statement per reporter and per cluster. (Intake adds to counts
    /// set-wise in `linkFresh`; the streaming rebuild recounts in SQL.)
    private func countFromZero(
        _ db: Database, _ assignments: [ClusterAssignment], clusterIDs: [String: Int64]
    ) throws {
        struct Span {
            var count = 0
            var first = Double.infinity
            var last = -Double.infinity
            mutating func add(_ t: Double) {
                count += 1
                first = Swift.min(first, t)
                last = Swift.max(last, t)
            }
        }
        struct ReporterKey: Hashable {
            var cluster: Int64
            var reporter: String
        }
        struct ReportKey: Hashable {
            var cluster: Int64
            var report: Int64
        }
        var seen = Set<ReportKey>()
        var clusters: [Int64: Span] = [:]
        var reporters: [ReporterKey: Span] = [:]
        for a in assignments where !a.key.isEmpty {
            guard let cid = clusterIDs[a.key], seen.insert(ReportKey(cluster: cid, report: a.reportID)).inserted
            else { continue }
            clusters[cid, default: Span()].add(a.receivedAt)
            if let r = a.reporter, !r.isEmpty {
                reporters[ReporterKey(cluster: cid, reporter: r), default: Span()].add(a.receivedAt)
            }
        }
        let reporter = try db.cachedStatement(
            sql: """
                INSERT INTO cluster_reporters (cluster_id, reporter, first_at, last_at, reports) VALUES (?, ?, ?, ?, ?)
                """)
        // In primary-key order the B-tree only ever appends; the index on last_at is rebuilt in one pass after.
        let entries = reporters.sorted { ($0.key.cluster, $0.key.reporter) < ($1.key.cluster, $1.key.reporter) }
        var indexes = try SecondaryIndexes.drop(db, reporters: true)
        var reporterCounts: [Int64: Int] = [:]
        for (k, span) in entries {
            try reporter.execute(arguments: [k.cluster, k.reporter, span.first, span.last, span.count])
            reporterCounts[k.cluster, default: 0] += 1
        }
        try indexes.restore(db)
        let set = try db.cachedStatement(
            sql: """
                UPDATE clusters SET reports = ?, reporters = ?, first_reported = ?, last_reported = ? WHERE id = ?
                """)
        for (cid, span) in clusters.sorted(by: { $0.key < $1.key }) {
            try set.execute(arguments: [span.count, reporterCounts[cid] ?? 0, span.first, span.last, cid])
        }
    }

    /// Recomputes reporters and counts of the clusters listed in temp.touched, from the links alone.
    private func refreshTouched(_ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM cluster_reporters WHERE cluster_id IN (SELECT id FROM touched);
                INSERT INTO cluster_reporters (cluster_id, reporter, first_at, last_at, reports)
                    SELECT ru.cluster_id, r.reporter, min(m.received_at), max(m.received_at), count(DISTINCT ru.report_id)
                    FROM report_urls ru
                    JOIN reports r ON r.message_id = ru.report_id
                    JOIN messages m ON m.id = ru.report_id
                    WHERE ru.cluster_id IN (SELECT id FROM touched) AND r.reporter IS NOT NULL AND r.reporter != ''
                    GROUP BY ru.cluster_id, r.reporter;
                UPDATE clusters SET
                    reports = (SELECT count(DISTINCT report_id) FROM report_urls WHERE cluster_id = clusters.id),
                    reporters = (SELECT count(*) FROM cluster_reporters WHERE cluster_id = clusters.id),
                    first_reported = (SELECT min(m.received_at) FROM report_urls ru JOIN messages m ON m.id = ru.report_id
                                      WHERE ru.cluster_id = clusters.id),
                    last_reported = (SELECT max(m.received_at) FROM report_urls ru JOIN messages m ON m.id = ru.report_id
                                     WHERE ru.cluster_id = clusters.id)
                WHERE id IN (SELECT id FROM touched);
                """)
    }

    /// Clusters ranked by priority (highest first), optionally filtered.
    public func clusters(
        status: ModerationStatus? = nil, platform: Platform? = nil, limit: Int? = nil,
        weights: PriorityWeights = PriorityWeights(), now: Date = Date()
    ) throws -> [ClusterSummary] {
        try pool.read { db in
            if let limit {
                var where_ = RankingFilter()
                if let status { where_.add("c.status = ?", status) }
                if let platform { where_.add("c.platform = ?", platform) }
                if let ids = try rankedClusterIDs(db, where_, first: limit, weights: weights, now: now) {
                    return try rankedSummaries(db, ids: ids, weights: weights, now: now)
                }
            }
            var sql = """
                SELECT c.*, (SELECT count(*) FROM cluster_reporters cr WHERE cr.cluster_id = c.id AND cr.last_at >= ?)
                    AS recent
                FROM clusters c WHERE c.reports > 0
                """
            var args: StatementArguments = [now.timeIntervalSince1970 - 86_400]
            Self.filter(&sql, &args, status: status, platform: platform)
            if let limit,
                let ids = try topClusterIDs(
                    db, status: status, platform: platform, limit: limit, weights: weights, now: now)
            {
                // Only the candidates are read and ranked below, exactly as a full ranking would rank them.
                sql += " AND c.id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ",")))"
                args += StatementArguments(ids)
            }
            var list = try Row.fetchAll(db, sql: sql, arguments: args)
                .map { try summary($0, weights: weights, now: now) }
            list.sort(by: Self.ranksBefore)
            if let limit, list.count > limit { list = Array(list.prefix(limit)) }
            let urls = try originalURLs(db, clusterIDs: list.map(\.id))
            for i in list.indices { list[i].urls = urls[list[i].id] ?? [] }
            return list
        }
    }

    /// The ranking's order: priority, then reporters, then the latest report, then the oldest cluster first.
    static func ranksBefore(_ a: ClusterSummary, _ b: ClusterSummary) -> Bool {
        (a.priority, a.reporters, a.lastReported ?? .distantPast, -a.id)
            > (b.priority, b.reporters, b.lastReported ?? .distantPast, -b.id)
    }

    /// The summaries (with their URLs) of these clusters, in this order.
    func rankedSummaries(_ db: Database, ids: [Int64], weights: PriorityWeights, now: Date) throws -> [ClusterSummary] {
        guard !ids.isEmpty else { return [] }
        var byID: [Int64: ClusterSummary] = [:]
        for chunk in ids.chunked(500) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            for r in try Row.fetchAll(
                db,
                sql: """
                    SELECT c.*, (SELECT count(*) FROM cluster_reporters cr WHERE cr.cluster_id = c.id AND cr.last_at >= ?)
                        AS recent FROM clusters c WHERE c.id IN (\(marks))
                    """, arguments: [now.timeIntervalSince1970 - 86_400] + StatementArguments(chunk))
            {
                let s = try summary(r, weights: weights, now: now)
                byID[s.id] = s
            }
        }
        var list = ids.compactMap { byID[$0] }
        let urls = try originalURLs(db, clusterIDs: ids)
        for i in list.indices { list[i].urls = urls[list[i].id] ?? [] }
        return list
    }

    /// Conditions on clusters `c` (joined with AND) and their arguments, in order.
    struct RankingFilter {
        var conditions: [String] = []
        var arguments: StatementArguments = []

        mutating func add(_ condition: String, _ values: (any DatabaseValueConvertible)?...) {
            conditions.append(condition)
            arguments += StatementArguments(values)
        }

        var sql: String { (["c.reports > 0"] + conditions).joined(separator: " AND ") }
    }

    /// One cluster as the ranking sees it.
    private struct Ranked {
        var id: Int64
        var priority: Double
        var reporters: Int
        var last: Date

        func before(_ o: Ranked) -> Bool {
            (priority, reporters, last, -id) > (o.priority, o.reporters, o.last, -o.id)
        }
    }

    /// How many clusters with the most recent reporters `rankedClusterIDs` scores before its walk (at most).
    static let earlyScored = 2_000

    /// The ids of the first `first` clusters of the ranking (filtered), in order, without scoring every cluster.
    ///
    /// The recent reporters (last 24 hours) of every cluster come first from `cluster_reporters_last`: as many rows
    /// as the last day's activity, counted here. Then clusters are read by reporters, most first, and scored exactly
    /// (`PriorityWeights.score`, the same keys as `ranksBefore`), until no cluster left can reach the k-th: one not
    /// read yet has at most the current reporters r and at most v_max recent reporters (the largest count among
    /// clusters with recent reporters not read yet), so its score is at most r × w_r + v_max × max(w_v, 0) +
    /// max(w_t, 0) (the decay is at most 1; the clusters with the most recent reporters, up to `earlyScored` of them,
    /// are scored before the walk to keep v_max small); the walk stops when that falls under the k-th score (ties read on: the
    /// tie-breaks could still promote one). The result is the full ranking's first k, not an estimate. Nil (the caller
    /// ranks another way) when w_r < 0 or a weight is not finite, or past `budget` clusters read (a very selective
    /// filter: a scan is then as good).
    func rankedClusterIDs(
        _ db: Database, _ filter: RankingFilter, first k: Int, weights: PriorityWeights, now: Date,
        budget: Int = 50_000, earlyScored: Int = Store.earlyScored
    ) throws -> [Int64]? {
        guard k > 0 else { return [] }
        let w = weights
        guard w.reporters >= 0, w.reporters.isFinite, w.velocity.isFinite, w.recency.isFinite,
            w.recencyHalfLifeHours.isFinite
        else { return nil }
        // Recent reporters by cluster, and how many clusters not read yet have each count (for v_max).
        var recent: [Int64: Int] = [:]
        let rows = try Int64.fetchCursor(
            db, sql: "SELECT cluster_id FROM cluster_reporters WHERE last_at >= ?",
            arguments: [now.timeIntervalSince1970 - 86_400])
        while let id = try rows.next() { recent[id, default: 0] += 1 }
        var unread = [Int](repeating: 0, count: (recent.values.max() ?? 0) + 1)
        for n in recent.values { unread[n] += 1 }
        var top: [Ranked] = []  // best first, at most k
        func offer(_ r: Row, recent v: Int) {
            let reporters: Int = r[1]
            let last = (r[2] as Double?).map { Date(timeIntervalSince1970: $0) }
            let candidate = Ranked(
                id: r[0], priority: w.score(reporters: reporters, recentReporters: v, lastReported: last, now: now),
                reporters: reporters, last: last ?? .distantPast)
            if top.count == k {
                guard candidate.before(top[k - 1]) else { return }
                top.removeLast()
            }
            var lo = 0
            var hi = top.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if top[mid].before(candidate) { lo = mid + 1 } else { hi = mid }
            }
            top.insert(candidate, at: lo)
        }
        // The few clusters with the most recent reporters are scored first, so that v_max is small during the walk
        // (a day's clusters mostly have one recent reporter; those with more would keep the bound loose).
        var cut = unread.count
        var early = 0
        while cut > 1, early + unread[cut - 1] <= earlyScored {
            cut -= 1
            early += unread[cut]
        }
        var scored = Set<Int64>()
        if cut < unread.count {
            scored = Set(recent.filter { $0.value >= cut }.keys)
            for chunk in Array(scored).chunked(500) {
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT c.id, c.reporters, c.last_reported FROM clusters c
                        WHERE \(filter.sql) AND c.id IN (\(repeatElement("?", count: chunk.count).joined(separator: ",")))
                        """, arguments: filter.arguments + StatementArguments(chunk))
                while let r = try rows.next() { offer(r, recent: recent[r[0]] ?? 0) }
            }
            unread.removeLast(unread.count - cut)
        }
        var vMax = unread.count - 1
        while vMax > 0, unread[vMax] == 0 { vMax -= 1 }
        let slack = w.recencyHalfLifeHours > 0 ? max(w.recency, 0) : 0
        let wv = max(w.velocity, 0)
        let walk = try Row.fetchCursor(
            db,
            sql:
                "SELECT c.id, c.reporters, c.last_reported FROM clusters c WHERE \(filter.sql) ORDER BY c.reporters DESC",
            arguments: filter.arguments)
        var read = 0
        while let r = try walk.next() {
            let reporters: Int = r[1]
            if top.count == k, Double(reporters) * w.reporters + Double(vMax) * wv + slack < top[k - 1].priority {
                break
            }
            read += 1
            if read > budget { return nil }
            let id: Int64 = r[0]
            if scored.contains(id) { continue }
            let v = recent[id] ?? 0
            if v > 0 {
                unread[v] -= 1
                while vMax > 0, unread[vMax] == 0 { vMax -= 1 }
            }
            offer(r, recent: v)
        }
        return top.map(\.id)
    }

    /// Appends the listing's optional filters on clusters `c`.
    private static func filter(
        _ sql: inout String, _ args: inout StatementArguments, status: ModerationStatus?, platform: Platform?
    ) {
        if let status {
            sql += " AND c.status = ?"
            args += [status]
        }
        if let platform {
            sql += " AND c.platform = ?"
            args += [platform]
        }
    }

    /// The ids of the clusters that can rank in the first `limit`, ranked by SQLite with the priority formula of
    /// `PriorityWeights.score` (a top-k sort over one scan: no row of the other clusters reaches Swift). A margin of
    /// candidates past `limit` absorbs rounding differences at the cut; the caller ranks them exactly. Nil when this
    /// SQLite lacks its math functions (`pow`): the caller then ranks every cluster itself.
    private func topClusterIDs(
        _ db: Database, status: ModerationStatus?, platform: Platform?, limit: Int,
        weights: PriorityWeights, now: Date
    ) throws -> [Int64]? {
        guard limit >= 0, (try? Double.fetchOne(db, sql: "SELECT pow(2, 1)")) != nil else { return nil }
        let t = now.timeIntervalSince1970
        var priority = "c.reporters * ? + coalesce(r.n, 0) * ?"
        // Arguments in the order of their `?` in the text: the priority's, the window's, the filters', the limit.
        var args: StatementArguments = [weights.reporters, weights.velocity]
        if weights.recencyHalfLifeHours > 0 {
            priority = """
                (\(priority)) + CASE WHEN c.last_reported IS NULL THEN 0
                    ELSE ? * pow(2, -max(0, (? - c.last_reported) / 3600.0) / ?) END
                """
            args += [weights.recency, t, weights.recencyHalfLifeHours]
        }
        var sql = """
            SELECT c.id, \(priority) AS p FROM clusters c
            LEFT JOIN (SELECT cluster_id, count(*) AS n FROM cluster_reporters WHERE last_at >= ? GROUP BY +cluster_id) r
                ON r.cluster_id = c.id
            WHERE c.reports > 0
            """
        args += [t - 86_400]
        Self.filter(&sql, &args, status: status, platform: platform)
        sql += " ORDER BY p DESC, c.reporters DESC, c.last_reported DESC, c.id LIMIT ?"
        args += [limit * 2 + 32]
        return try Int64.fetchAll(db, sql: sql, arguments: args)
    }

    /// One cluster with its reports (reporters' addresses only when asked) and its audit trail.
    public func cluster(
        id: Int64, includeReporters: Bool, weights: PriorityWeights = PriorityWeights(),
        now: Date = Date()
    ) throws -> ClusterDetail? {
        try pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT c.*, (SELECT count(*) FROM cluster_reporters cr WHERE cr.cluster_id = c.id AND cr.last_at >= ?)
                            AS recent FROM clusters c WHERE c.id = ?
                        """, arguments: [now.timeIntervalSince1970 - 86_400, id])
            else { return nil }
            var s = try summary(row, weights: weights, now: now)
            s.urls = try originalURLs(db, clusterIDs: [id])[id] ?? []
            let reportRows = try Row.fetchAll(
                db,
                sql: """
                    SELECT ru.report_id, group_concat(ru.url, char(10)) AS urls, m.received_at, r.reporter, r.subject,
                           substr(r.text, 1, 600) AS text
                    FROM report_urls ru JOIN messages m ON m.id = ru.report_id JOIN reports r ON r.message_id = ru.report_id
                    WHERE ru.cluster_id = ? GROUP BY ru.report_id ORDER BY m.received_at, ru.report_id
                    """, arguments: [id])
            let reports = reportRows.map { r in
                ClusterReport(
                    reportID: r["report_id"], receivedAt: Date(timeIntervalSince1970: r["received_at"]),
                    reporter: includeReporters ? r["reporter"] : nil, subject: r["subject"],
                    excerpt: Excerpt.make(r["text"] ?? "", maxLength: 280),
                    urls: (r["urls"] as String? ?? "").split(separator: "\n").map(String.init))
            }
            let events = try Row.fetchAll(
                db, sql: "SELECT * FROM cluster_events WHERE cluster_id = ? ORDER BY id",
                arguments: [id]
            ).map { e in
                ClusterEvent(
                    at: Date(timeIntervalSince1970: e["at"]), author: e["author"],
                    from: try e.decodeStored(ModerationStatus.self, "from_status", table: "cluster_events"),
                    to: try e.decodeStored(ModerationStatus.self, "to_status", table: "cluster_events"),
                    offence: e["offence"],
                    note: e["note"], platformRef: e["platform_ref"], channel: e["channel"], reason: e["reason"])
            }
            return ClusterDetail(
                summary: s, note: row["note"], reason: row["reason"],
                notifiedAt: (row["notified_at"] as Double?).map { Date(timeIntervalSince1970: $0) },
                notifiedChannel: row["notified_channel"], reportList: reports, events: events)
        }
    }

    /// Applies a workflow change if `rules` allow it from the stored status, recording it in the audit trail, in one
    /// transaction; throws the refusal otherwise.
    @discardableResult
    public func moderate(
        clusterID: Int64, change: ModerationChange, rules: ModerationRules, now: Date = Date()
    )
        throws -> ModerationStatus
    {
        try moderate(clusterID: clusterID, change: change, rules: rules, now: now, outcomeNotices: nil).status
    }

    /// The same, and when the change removes the cluster, the outcome notices `outcomeNotices` composes for its
    /// reporters are enqueued in the change's own transaction: the removal and what it owes commit together.
    /// Returns the new status and the dedupe keys enqueued.
    public func moderate(
        clusterID: Int64, change: ModerationChange, rules: ModerationRules, now: Date = Date(),
        outcomeNotices: (@Sendable ([ClusterReporterReport]) throws -> [OutboxItem])?
    )
        throws -> (status: ModerationStatus, notices: [String])
    {
        try pool.write { db in
            let current = try Self.applyModeration(db, clusterID: clusterID, change: change, rules: rules, now: now)
            guard change.to == .removed, current != .removed, let outcomeNotices else { return (change.to, []) }
            let items = try outcomeNotices(try Self.reportersOfCluster(db, id: clusterID))
            return (change.to, try Self.enqueue(db, items, now: now))
        }
    }

    /// Checks `change` against the rules and records it (the cluster's row and its audit trail) inside the caller's
    /// transaction; returns the status the cluster had before.
    static func applyModeration(
        _ db: Database, clusterID: Int64, change: ModerationChange, rules: ModerationRules, now: Date
    ) throws -> ModerationStatus {
        do {
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT status FROM clusters WHERE id = ?",
                    arguments: [clusterID])
            else {
                throw StoreError.notFound(what: "cluster \(clusterID)", hint: "see `vigie clusters list`")
            }
            let current = try row.decodeStored(ModerationStatus.self, "status", table: "clusters")
            try rules.check(clusterID: clusterID, from: current, change: change)
            let t = now.timeIntervalSince1970
            switch change.to {
            case .qualified:
                try db.execute(
                    sql: """
                        UPDATE clusters SET status = ?, offence = ?, note = coalesce(?, note), reason = NULL,
                            updated_at = ? WHERE id = ?
                        """, arguments: [ModerationStatus.qualified, change.offence, change.note, t, clusterID])
            case .notified:
                try db.execute(
                    sql: """
                        UPDATE clusters SET status = ?, platform_ref = coalesce(?, platform_ref), notified_at = ?,
                            notified_channel = coalesce(?, notified_channel), note = coalesce(?, note), updated_at = ?
                        WHERE id = ?
                        """,
                    arguments: [
                        ModerationStatus.notified, change.platformRef, t, change.channel, change.note, t,
                        clusterID,
                    ])
            default:
                try db.execute(
                    sql: """
                        UPDATE clusters SET status = ?, reason = coalesce(?, reason), note = coalesce(?, note),
                            platform_ref = coalesce(?, platform_ref), updated_at = ? WHERE id = ?
                        """, arguments: [change.to, change.reason, change.note, change.platformRef, t, clusterID])
            }
            try db.execute(
                sql: """
                    INSERT INTO cluster_events (cluster_id, at, author, from_status, to_status, offence, note, platform_ref,
                        channel, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    clusterID, t, change.author, current, change.to, change.offence,
                    change.note, change.platformRef, change.channel, change.reason,
                ])
            return current
        }
    }

    /// Accounts with what was reported of them: their own cluster (if reported) and their posts.
    public func accounts(limit: Int? = nil) throws -> [AccountSummary] {
        try pool.read { db in
            var sql = """
                WITH members AS (
                    SELECT coalesce(account_key, key) AS account, id, platform, kind, reports, last_reported
                    FROM clusters WHERE reports > 0 AND (account_key IS NOT NULL OR kind = :accountKind))
                SELECT m.account, max(m.platform) AS platform,
                       sum(CASE WHEN m.kind = :accountKind THEN 0 ELSE 1 END) AS posts,
                       sum(m.reports) AS reports, max(m.last_reported) AS last_reported,
                       (SELECT count(DISTINCT cr.reporter) FROM cluster_reporters cr
                        WHERE cr.cluster_id IN (SELECT id FROM members x WHERE x.account = m.account)) AS reporters
                FROM members m GROUP BY m.account ORDER BY reporters DESC, posts DESC, m.account
                """
            var args: StatementArguments = ["accountKind": ContentIdentity.Kind.account]
            if let limit {
                sql += " LIMIT :limit"
                args += ["limit": limit]
            }
            return try Row.fetchAll(db, sql: sql, arguments: args).map { r in
                AccountSummary(
                    key: r["account"],
                    platform: try r.decodeStored(Platform.self, "platform", table: "clusters"),
                    posts: r["posts"], reporters: r["reporters"],
                    reports: r["reports"],
                    lastReported: (r["last_reported"] as Double?).map { Date(timeIntervalSince1970: $0) })
            }
        }
    }

    func summary(_ r: Row, weights: PriorityWeights, now: Date) throws -> ClusterSummary {
        let reporters: Int = r["reporters"]
        let recent: Int = r["recent"]
        let last = (r["last_reported"] as Double?).map { Date(timeIntervalSince1970: $0) }
        return ClusterSummary(
            id: r["id"], key: r["key"], platform: try r.decodeStored(Platform.self, "platform", table: "clusters"),
            kind: try r.decodeStored(ContentIdentity.Kind.self, "kind", table: "clusters"),
            canonicalURL: r["canonical_url"],
            urls: [], reports: r["reports"], reporters: reporters, recentReporters: recent,
            priority: weights.score(reporters: reporters, recentReporters: recent, lastReported: last, now: now),
            status: try r.decodeStored(ModerationStatus.self, "status", table: "clusters"), offence: r["offence"],
            firstReported: (r["first_reported"] as Double?).map { Date(timeIntervalSince1970: $0) },
            lastReported: last, account: r["account_key"], platformRef: r["platform_ref"])
    }

    func originalURLs(_ db: Database, clusterIDs: [Int64]) throws -> [Int64: [String]] {
        var out: [Int64: [String]] = [:]
        for chunk in clusterIDs.chunked(500) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            for r in try Row.fetchAll(
                db,
                sql: """
                    SELECT cluster_id, url FROM report_urls WHERE cluster_id IN (\(marks))
                    GROUP BY cluster_id, url ORDER BY cluster_id, min(report_id), min(position)
                    """, arguments: StatementArguments(chunk))
            {
                out[r["cluster_id"], default: []].append(r["url"])
            }
        }
        return out
    }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}

extension Store {
    /// Final URLs of short links already resolved, by short URL.
    public func resolvedShortLinks(_ urls: [String]) throws -> [String: String] {
        guard !urls.isEmpty else { return [:] }
        return try pool.read { db in try resolvedShortLinks(db, urls) }
    }

    func resolvedShortLinks(_ db: Database, _ urls: [String]) throws -> [String: String] {
        guard !urls.isEmpty else { return [:] }
        var out: [String: String] = [:]
        for chunk in Array(Set(urls)).chunked(500) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            for r in try Row.fetchAll(
                db,
                sql: """
                    SELECT url, final_url FROM short_links WHERE status = ? AND url IN (\(marks))
                    """, arguments: [ShortLinkStatus.resolved] + StatementArguments(chunk))
            {
                out[r["url"]] = r["final_url"]
            }
        }
        return out
    }

    /// Queues short links for resolution (those not known yet).
    public func queueShortLinks(_ urls: [String], now: Date = Date()) throws {
        guard !urls.isEmpty else { return }
        try pool.write { db in try queueShortLinks(db, urls, now: now) }
    }

    func queueShortLinks(_ db: Database, _ urls: [String], now: Date) throws {
        guard !urls.isEmpty else { return }
        let st = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO short_links (url, status, next_attempt_at, updated_at) VALUES (?, ?, ?, ?)
                """)
        let t = now.timeIntervalSince1970
        for u in Set(urls) { try st.execute(arguments: [u, ShortLinkStatus.pending, t, t]) }
    }

    /// Short links whose resolution is due.
    public func dueShortLinks(now: Date = Date(), limit: Int) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT url FROM short_links WHERE status = ? AND next_attempt_at <= ? ORDER BY next_attempt_at
                    LIMIT ?
                    """, arguments: [ShortLinkStatus.pending, now.timeIntervalSince1970, limit])
        }
    }

    /// Records a resolution: resolved, or failed and retried later as `retry` says (given up once it is exhausted).
    public func recordShortLink(
        _ url: String, finalURL: String?, error: String?, retry: Backoff = .shortLinks,
        now: Date = Date()
    ) throws {
        try pool.write { db in
            try recordShortLink(db, url, finalURL: finalURL, error: error, retry: retry, now: now)
        }
    }

    func recordShortLink(
        _ db: Database, _ url: String, finalURL: String?, error: String?, retry: Backoff,
        now: Date
    ) throws {
        let t = now.timeIntervalSince1970
        if let finalURL {
            try db.execute(
                sql: """
                    UPDATE short_links SET status = ?, final_url = ?, attempts = attempts + 1, error = NULL,
                        next_attempt_at = NULL, updated_at = ? WHERE url = ?
                    """, arguments: [ShortLinkStatus.resolved, finalURL, t, url])
        } else {
            let before =
                try Int.fetchOne(
                    db, sql: "SELECT attempts FROM short_links WHERE url = ?",
                    arguments: [url]) ?? 0
            let failed = retry.isExhausted(after: before + 1)
            try db.execute(
                sql: """
                    UPDATE short_links SET attempts = attempts + 1, error = ?, updated_at = ?,
                        status = ?, next_attempt_at = ?
                    WHERE url = ?
                    """,
                arguments: [
                    error, t, failed ? ShortLinkStatus.failed : ShortLinkStatus.pending,
                    t + retry.nominal(attempt: before).inSeconds, url,
                ])
        }
    }

    /// Unlinks every reported URL written exactly as one of `urls` (their identity changed, e.g. a short link was
    /// resolved) and returns them with the clusters they left, so they can be linked anew.
    public func detachURLs(_ urls: [String]) throws -> (urls: [ReportedURL], formerClusters: [Int64]) {
        guard !urls.isEmpty else { return ([], []) }
        return try pool.write { db in try detachURLs(db, urls) }
    }

    func detachURLs(_ db: Database, _ urls: [String]) throws -> (urls: [ReportedURL], formerClusters: [Int64]) {
        var detached: [ReportedURL] = []
        var former: Set<Int64> = []
        for chunk in Array(Set(urls)).chunked(500) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT report_id, position, url, cluster_id FROM report_urls WHERE url IN (\(marks))
                    """, arguments: StatementArguments(chunk))
            for r in rows {
                detached.append(
                    ReportedURL(
                        reportID: r["report_id"], position: r["position"], url: r["url"],
                        reporter: nil, receivedAt: 0, rowID: nil))
                if let c: Int64 = r["cluster_id"] { former.insert(c) }
            }
            try db.execute(
                sql: "UPDATE report_urls SET cluster_id = NULL WHERE url IN (\(marks))",
                arguments: StatementArguments(chunk))
        }
        return (detached, Array(former))
    }

    /// Unlinks every reported URL of these clusters and returns them, to be linked anew.
    func detachURLs(_ db: Database, clusterIDs: [Int64]) throws -> (urls: [ReportedURL], formerClusters: [Int64]) {
        var detached: [ReportedURL] = []
        let select = try db.cachedStatement(
            sql: "SELECT rowid, report_id, position, url FROM report_urls WHERE cluster_id = ?")
        let unlink = try db.cachedStatement(sql: "UPDATE report_urls SET cluster_id = NULL WHERE cluster_id = ?")
        for id in Set(clusterIDs) {
            let rows = try Row.fetchCursor(select, arguments: [id])
            while let r = try rows.next() {
                detached.append(
                    ReportedURL(
                        reportID: r["report_id"], position: r["position"], url: r["url"], reporter: nil,
                        receivedAt: 0, rowID: r["rowid"]))
            }
            try unlink.execute(arguments: [id])
        }
        return (detached, Array(Set(clusterIDs)))
    }

    /// Recomputes the counts of the given clusters (after URLs left them).
    public func refreshClusters(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try pool.write { db in try refreshClusters(db, ids) }
    }

    func refreshClusters(_ db: Database, _ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS touched (id INTEGER PRIMARY KEY); DELETE FROM touched;")
        let st = try db.cachedStatement(sql: "INSERT OR IGNORE INTO touched VALUES (?)")
        for id in ids { try st.execute(arguments: [id]) }
        try refreshTouched(db)
        try db.execute(sql: "DELETE FROM touched")
    }
}
