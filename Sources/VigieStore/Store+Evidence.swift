import Foundation
import GRDB
import VigieCore

/// URLs to fetch for evidence: the new reports' URLs not yet kept for their cluster, and how far that goes.
public struct EvidenceBatch: Sendable {
    /// (cluster, URL as written), each once, in report order.
    public var items: [(clusterID: Int64, url: String)]
    /// The last report id this batch covers: saved with the snapshots, the next batch starts after it.
    public var throughReportID: Int64

    public init(items: [(clusterID: Int64, url: String)], throughReportID: Int64) {
        self.items = items
        self.throughReportID = throughReportID
    }
}

extension Store {
    /// The URLs of the next `reports` reports past the evidence cursor that have no snapshot for their cluster yet.
    /// Reports still waiting to be linked to clusters stop the walk (they come in a later batch, once linked); nil
    /// when there is nothing new.
    public func dueEvidence(reports: Int = 50, maxPerCluster: Int = 20) throws -> EvidenceBatch? {
        try pool.read { db in
            let cursor = try Int64.fetchOne(db, sql: "SELECT last_report_id FROM evidence_cursor WHERE id = 1") ?? 0
            let waiting = try Int64.fetchOne(db, sql: "SELECT min(report_id) FROM reports_to_link")
            let ids = try Int64.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT report_id FROM report_urls WHERE report_id > ? AND report_id < ?
                    ORDER BY report_id LIMIT ?
                    """, arguments: [cursor, waiting ?? Int64.max, reports])
            guard let last = ids.last else { return nil }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT ru.cluster_id, ru.url FROM report_urls ru
                    WHERE ru.report_id > ? AND ru.report_id <= ? AND ru.cluster_id IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.cluster_id = ru.cluster_id AND e.url = ru.url)
                    ORDER BY ru.report_id, ru.position
                    """, arguments: [cursor, last])
            var items: [(clusterID: Int64, url: String)] = []
            var perCluster: [Int64: Int] = [:]
            var seen: Set<String> = []
            for r in rows {
                let cluster: Int64 = r["cluster_id"]
                let url: String = r["url"]
                guard seen.insert("\(cluster) \(url)").inserted else { continue }
                if perCluster[cluster] == nil {
                    perCluster[cluster] =
                        try Int.fetchOne(
                            db, sql: "SELECT count(*) FROM evidence WHERE cluster_id = ?", arguments: [cluster]) ?? 0
                }
                guard perCluster[cluster, default: 0] < maxPerCluster else { continue }
                perCluster[cluster, default: 0] += 1
                items.append((cluster, url))
            }
            return EvidenceBatch(items: items, throughReportID: last)
        }
    }

    /// The URLs of cluster `id` with no snapshot yet (for a fetch by hand).
    public func missingEvidence(clusterID id: Int64) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT url FROM report_urls ru WHERE cluster_id = ?
                      AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.cluster_id = ru.cluster_id AND e.url = ru.url)
                    GROUP BY url ORDER BY min(report_id), min(position)
                    """, arguments: [id])
        }
    }

    /// Keeps the snapshots (a URL already kept for its cluster keeps its first snapshot) and, when given, moves the
    /// cursor past `throughReportID`, in one transaction.
    @discardableResult
    public func saveEvidence(
        _ snapshots: [(clusterID: Int64, snapshot: PageSnapshot, sha256: String)], throughReportID: Int64? = nil
    ) throws -> Int {
        try pool.write { db in
            var kept = 0
            for (cluster, s, sha) in snapshots {
                try db.execute(
                    sql: """
                        INSERT INTO evidence (cluster_id, url, fetched_at, http_status, final_url, headers, body,
                            truncated, sha256, error)
                        SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM clusters WHERE id = ?)
                        ON CONFLICT (cluster_id, url) DO NOTHING
                        """,
                    arguments: [
                        cluster, s.url, s.fetchedAt.timeIntervalSince1970, s.status, s.finalURL, s.headers,
                        Data(s.body), s.truncated, sha, s.error, cluster,
                    ])
                kept += db.changesCount
            }
            if let through = throughReportID {
                try db.execute(
                    sql: "UPDATE evidence_cursor SET last_report_id = max(last_report_id, ?) WHERE id = 1",
                    arguments: [through])
            }
            return kept
        }
    }

    /// The snapshots kept for cluster `id`, oldest first.
    public func evidence(clusterID id: Int64) throws -> [EvidenceRecord] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, cluster_id, url, fetched_at, http_status, final_url, headers, body, truncated, sha256,
                        error
                    FROM evidence WHERE cluster_id = ? ORDER BY fetched_at, id
                    """, arguments: [id]
            ).map { r in
                let body: Data = r["body"]
                return EvidenceRecord(
                    id: r["id"], clusterID: r["cluster_id"],
                    snapshot: PageSnapshot(
                        url: r["url"], fetchedAt: Date(timeIntervalSince1970: r["fetched_at"]),
                        status: r["http_status"], finalURL: r["final_url"], headers: r["headers"],
                        body: [UInt8](body), truncated: r["truncated"], error: r["error"]),
                    sha256: r["sha256"])
            }
        }
    }
}
