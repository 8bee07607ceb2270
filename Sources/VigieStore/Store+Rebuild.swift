import Foundation
import GRDB
import VigieCore

extension Store {
    /// A rebuild inside the caller's transaction, in bounded memory, writing only what changes. The URLs of citizen
    /// reports are read in key order a chunk at a time with the cluster each is linked to, and identified; their
    /// clusters are found by key (from one read of the clusters table) or numbered as new, in order of first
    /// appearance, as the one-pass rebuild's inserts number them. Once every URL is read, new clusters are inserted
    /// and only the links whose cluster changes are written; reporters and counts are recomputed from the links in
    /// one set-wise pass and, again, written only where they differ. When most links change (a first rebuild, a
    /// change of every identity), the secondary indexes these writes feed are dropped and built again in one sorted
    /// pass each instead, and new clusters enter the search index in one statement rather than one trigger run each.
    /// Returns the number of clusters linked. Gives what `assignClusters(_:rebuild: true)` gives for the same
    /// assignments: the same clusters, links, counts, reporters and search entries.
    func relinkEverything(_ db: Database, now: Date, chunk size: Int, identify: Identify) throws -> Int {
        let overrides = try identityOverrides(db)
        // Every cluster's id by key, and the clusters still without an account key: the first URL of theirs this
        // rebuild meets fills it in, as the one-pass rebuild's upsert does.
        var ids: [String: Int64] = [:]
        var noAccount = Set<Int64>()
        var lastID: Int64 = 0
        let known = try Row.fetchCursor(db, sql: "SELECT key, id, account_key IS NULL FROM clusters")
        while let r = try known.next() {
            let id: Int64 = r[1]
            ids[r[0]] = id
            lastID = max(lastID, id)
            if r[2] as Bool { noAccount.insert(id) }
        }
        let existing = ids.count
        let firstNew = lastID + 1
        // CROSS JOIN keeps report_urls outermost: each chunk is a range of its primary key, not a scan of the
        // messages left with a sort.
        let read = try db.makeStatement(
            sql: """
                SELECT ru.rowid AS row_id, ru.report_id, ru.position, ru.url, r.reporter, m.received_at, ru.cluster_id
                FROM report_urls ru
                CROSS JOIN messages m ON m.id = ru.report_id AND m.status = ?
                CROSS JOIN reports r ON r.message_id = ru.report_id
                WHERE (ru.report_id, ru.position) > (?, ?)
                ORDER BY ru.report_id, ru.position LIMIT ?
                """)
        let fillAccount = try db.makeStatement(sql: "UPDATE clusters SET account_key = ? WHERE id = ?")
        var fresh = NewClusters(updatedAt: now.timeIntervalSince1970)
        var changes = LinkChanges()
        var total = 0
        var after: (report: Int64, position: Int) = (Int64.min, Int.min)
        while true {
            var chunk: [ReportedURL] = []
            chunk.reserveCapacity(size)
            var current: [Int64: Int64] = [:]
            let rows = try Row.fetchCursor(
                read, arguments: [MessageStatus.parsed, after.report, after.position, size])
            while let r = try rows.next() {
                let u = Self.reportedURL(r)
                chunk.append(u)
                if let row = u.rowID, let cluster = r[6] as Int64? { current[row] = cluster }
            }
            guard let last = chunk.last else { break }
            after = (last.reportID, last.position)
            total += chunk.count
            let (assignments, unresolved) = try identify(
                chunk, { try self.resolvedShortLinks(db, $0) }, overrides)
            chunk = []
            try queueShortLinks(db, unresolved, now: now)
            for a in assignments {
                var id: Int64?
                if !a.key.isEmpty {
                    if let known = ids[a.key] {
                        id = known
                        if noAccount.remove(known) != nil, let account = a.accountKey {
                            try fillAccount.execute(arguments: [account, known])
                        }
                    } else {
                        lastID += 1
                        ids[a.key] = lastID
                        fresh.append(a, id: lastID)
                        id = lastID
                    }
                }
                guard let row = a.rowID else {
                    try db.execute(
                        sql: "UPDATE report_urls SET cluster_id = ? WHERE report_id = ? AND position = ?",
                        arguments: [id, a.reportID, a.position])
                    continue
                }
                if current[row] != id { changes.append(row, id) }
            }
        }
        ids = [:]
        noAccount = []
        // Most links changing, or most clusters new: cheaper to drop the indexes these writes feed and build them
        // again in one sorted pass each, and to index new clusters for search in one statement.
        let relinked = changes.count * 4 > total
        let renumbered = fresh.count * 4 > existing + fresh.count
        var rebuilt = try SecondaryIndexes.drop(db, links: relinked, clusters: renumbered)
        try fresh.insert(db)
        fresh = NewClusters(updatedAt: 0)
        try changes.apply(db)
        changes = LinkChanges()
        try rebuilt.restore(db, only: "report_urls_cluster")
        let linked = try recount(db, wholesale: relinked)
        try rebuilt.restore(db)
        if renumbered {
            try db.execute(
                sql: """
                    INSERT INTO cluster_search (rowid, canonical_url, key, account_key)
                        SELECT id, canonical_url, key, account_key FROM clusters WHERE id >= ? ORDER BY id
                    """, arguments: [firstNew])
        }
        try db.execute(sql: Self.dropUnworkedEmptyClusters, arguments: [ModerationStatus.new])
        return linked
    }

    /// Reporters and counts of every cluster from the links, in one pass over them: each (cluster, reporter)'s
    /// reports and times aside (a report has one reporter; '' stands for none), the clusters' counts summed from
    /// these. Reporters are written anew when `wholesale` (most links changed), otherwise only the rows that differ;
    /// counts only where they differ (a cluster no link leads to any more back to zero). Returns the number of
    /// clusters linked.
    private func recount(_ db: Database, wholesale: Bool) throws -> Int {
        try db.execute(
            sql: """
                DROP TABLE IF EXISTS temp.rebuild_spans;
                DROP TABLE IF EXISTS temp.rebuild_counts;
                CREATE TEMP TABLE rebuild_spans (
                    cluster_id INTEGER NOT NULL, reporter TEXT NOT NULL, first_at REAL NOT NULL, last_at REAL NOT NULL,
                    reports INTEGER NOT NULL, PRIMARY KEY (cluster_id, reporter)) WITHOUT ROWID;
                INSERT INTO temp.rebuild_spans (cluster_id, reporter, first_at, last_at, reports)
                    SELECT ru.cluster_id, coalesce(r.reporter, ''), min(m.received_at), max(m.received_at),
                        count(DISTINCT ru.report_id)
                    FROM report_urls ru
                    JOIN messages m ON m.id = ru.report_id AND m.status = :parsed
                    JOIN reports r ON r.message_id = ru.report_id
                    WHERE ru.cluster_id IS NOT NULL
                    GROUP BY ru.cluster_id, coalesce(r.reporter, '') ORDER BY ru.cluster_id, coalesce(r.reporter, '');
                CREATE TEMP TABLE rebuild_counts (
                    id INTEGER PRIMARY KEY, reports INTEGER NOT NULL, reporters INTEGER NOT NULL, first REAL, last REAL);
                INSERT INTO temp.rebuild_counts (id, reports, reporters, first, last)
                    SELECT cluster_id, sum(reports), sum(reporter != ''), min(first_at), max(last_at)
                    FROM temp.rebuild_spans GROUP BY cluster_id ORDER BY cluster_id;
                """, arguments: ["parsed": MessageStatus.parsed])
        if wholesale {
            var indexes = try SecondaryIndexes.drop(db, reporters: true)
            try db.execute(
                sql: """
                    DELETE FROM cluster_reporters;
                    INSERT INTO cluster_reporters (cluster_id, reporter, first_at, last_at, reports)
                        SELECT cluster_id, reporter, first_at, last_at, reports FROM temp.rebuild_spans
                        WHERE reporter != '' ORDER BY cluster_id, reporter;
                    """)
            try indexes.restore(db)
        } else {
            try db.execute(
                sql: """
                    DELETE FROM cluster_reporters WHERE NOT EXISTS (
                        SELECT 1 FROM temp.rebuild_spans n
                        WHERE n.cluster_id = cluster_reporters.cluster_id AND n.reporter = cluster_reporters.reporter);
                    INSERT INTO cluster_reporters (cluster_id, reporter, first_at, last_at, reports)
                        SELECT cluster_id, reporter, first_at, last_at, reports FROM temp.rebuild_spans
                        WHERE reporter != '' ORDER BY cluster_id, reporter
                        ON CONFLICT (cluster_id, reporter) DO UPDATE SET first_at = excluded.first_at,
                            last_at = excluded.last_at, reports = excluded.reports
                        WHERE cluster_reporters.first_at IS NOT excluded.first_at
                            OR cluster_reporters.last_at IS NOT excluded.last_at
                            OR cluster_reporters.reports IS NOT excluded.reports;
                    """)
        }
        try db.execute(
            sql: """
                UPDATE clusters SET reports = c.reports, reporters = c.reporters, first_reported = c.first,
                        last_reported = c.last
                    FROM temp.rebuild_counts c
                    WHERE clusters.id = c.id AND (clusters.reports IS NOT c.reports OR clusters.reporters IS NOT c.reporters
                        OR clusters.first_reported IS NOT c.first OR clusters.last_reported IS NOT c.last);
                UPDATE clusters SET reports = 0, reporters = 0, first_reported = NULL, last_reported = NULL
                    WHERE (reports != 0 OR reporters != 0 OR first_reported IS NOT NULL OR last_reported IS NOT NULL)
                        AND id NOT IN (SELECT id FROM temp.rebuild_counts);
                """)
        let linked = try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.rebuild_counts") ?? 0
        try db.execute(sql: "DROP TABLE temp.rebuild_spans; DROP TABLE temp.rebuild_counts;")
        return linked
    }
}

/// The links a rebuild changes (row → cluster, 0 for none), written after the URLs are all read.
private struct LinkChanges {
    private var rows: [Int64] = []
    private var clusters: [Int64] = []

    var count: Int { rows.count }

    mutating func append(_ row: Int64, _ cluster: Int64?) {
        rows.append(row)
        clusters.append(cluster ?? 0)
    }

    /// Writes the links a batch of (rowid, cluster) pairs per statement, in rowid order.
    func apply(_ db: Database) throws {
        let order = rows.indices.sorted { rows[$0] < rows[$1] }
        var args: [(any DatabaseValueConvertible)?] = []
        args.reserveCapacity(2_000)
        func flush() throws {
            guard !args.isEmpty else { return }
            let marks = repeatElement("(?, ?)", count: args.count / 2).joined(separator: ", ")
            try db.cachedStatement(
                sql: """
                    UPDATE report_urls SET cluster_id = v.column2 FROM (VALUES \(marks)) AS v
                    WHERE report_urls.rowid = v.column1
                    """
            ).execute(arguments: StatementArguments(args))
            args.removeAll(keepingCapacity: true)
        }
        for i in order {
            args += [rows[i], clusters[i] == 0 ? nil : clusters[i]]
            if args.count == 2_000 { try flush() }
        }
        try flush()
    }
}

/// Clusters a rebuild creates, numbered in order of first appearance from the largest id + 1 (the ids SQLite gives
/// rows inserted one by one), inserted once every URL is read.
private struct NewClusters {
    struct Cluster {
        var id: Int64
        var key: String
        var platform: Platform
        var kind: ContentIdentity.Kind
        var accountKey: String?
        var canonicalURL: String
    }
    let updatedAt: Double
    private var rows: [Cluster] = []

    init(updatedAt: Double) { self.updatedAt = updatedAt }

    var count: Int { rows.count }

    mutating func append(_ a: ClusterAssignment, id: Int64) {
        rows.append(
            Cluster(
                id: id, key: a.key, platform: a.platform, kind: a.kind, accountKey: a.accountKey,
                canonicalURL: a.canonicalURL))
    }

    /// Inserts them, 500 a statement.
    func insert(_ db: Database) throws {
        for start in stride(from: 0, to: rows.count, by: 500) {
            let batch = rows[start..<min(start + 500, rows.count)]
            let marks = repeatElement("(?, ?, ?, ?, ?, ?, ?)", count: batch.count).joined(separator: ", ")
            var args: [(any DatabaseValueConvertible)?] = []
            args.reserveCapacity(batch.count * 7)
            for c in batch { args += [c.id, c.key, c.platform, c.kind, c.accountKey, c.canonicalURL, updatedAt] }
            try db.cachedStatement(
                sql: """
                    INSERT INTO clusters (id, key, platform, kind, account_key, canonical_url, updated_at) VALUES \(marks)
                    """
            ).execute(arguments: StatementArguments(args))
        }
    }
}

/// What a rebuild drops and builds again after its writes, each from its own stored definition (so an index added
/// to these tables later is handled alike): the links' index by cluster when most links change; the clusters'
/// secondary indexes and the trigger that indexes a new cluster for search when most clusters are new; the
/// reporters' secondary indexes when that table is written anew.
struct SecondaryIndexes {
    private var saved: [(type: String, name: String, sql: String)] = []

    static func drop(
        _ db: Database, links: Bool = false, clusters: Bool = false, reporters: Bool = false
    ) throws -> SecondaryIndexes {
        var s = SecondaryIndexes()
        guard links || clusters || reporters else { return s }
        s.saved = try Row.fetchAll(
            db,
            sql: """
                SELECT type, name, sql FROM sqlite_master
                WHERE sql IS NOT NULL AND ((?1 AND type = 'index' AND name = 'report_urls_cluster')
                    OR (?2 AND type = 'index' AND tbl_name = 'clusters')
                    OR (?2 AND type = 'trigger' AND name = 'clusters_search_insert')
                    OR (?3 AND type = 'index' AND tbl_name = 'cluster_reporters'))
                ORDER BY name
                """, arguments: [links, clusters, reporters]
        ).map { ($0[0], $0[1], $0[2]) }
        for d in s.saved { try db.execute(sql: "DROP \(d.type.uppercased()) \(d.name.quotedDatabaseIdentifier)") }
        return s
    }

    /// Builds again the one named, or all those left.
    mutating func restore(_ db: Database, only name: String? = nil) throws {
        for d in saved where name == nil || d.name == name { try db.execute(sql: d.sql) }
        saved.removeAll { name == nil || $0.name == name }
    }
}
