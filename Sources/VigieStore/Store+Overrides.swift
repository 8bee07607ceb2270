import Foundation
import GRDB
import VigieCore

extension Store {
    /// The moderators' corrections, read in the linking transaction.
    func identityOverrides(_ db: Database) throws -> IdentityOverrides {
        var o = IdentityOverrides()
        for r in try Row.fetchAll(db, sql: "SELECT from_key, into_key FROM cluster_merges") {
            o.merges[r[0]] = r[1]
        }
        for r in try Row.fetchAll(db, sql: "SELECT literal, cluster_key, canonical_url FROM url_splits") {
            o.splits[r[0]] = IdentityOverrides.Split(key: r[1], canonicalURL: r[2])
        }
        return o
    }

    /// Merges cluster `from` into `into`: `from`'s identity becomes an alias of `into`'s, its URLs are linked to
    /// `into` now and by every later intake or rebuild, both recounted, both audit trails naming `author` — one
    /// IMMEDIATE transaction. Refused (nothing changed) for a cluster merged already, a `from` notified or decided
    /// (its notices and decision are evidence about its own URLs), or a qualified `from` into an unqualified `into`.
    public func mergeClusters(
        _ from: Int64, into: Int64, author: String, note: String?, now: Date = Date(), identify: Identify
    ) throws {
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                guard from != into else { throw ClusterCorrectionError.sameCluster(from) }
                let source = try liveCluster(db, from)
                let target = try liveCluster(db, into)
                let noticed =
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM notices WHERE cluster_id = ?", arguments: [from])
                    ?? 0
                guard noticed == 0, [.new, .qualified].contains(source.status) else {
                    throw ClusterCorrectionError.sourceDecided(
                        from: from, into: into, status: source.status, notified: noticed > 0)
                }
                if source.status == .qualified && target.status == .new {
                    throw ClusterCorrectionError.qualifiedIntoNew(from: from, into: into)
                }
                let t = now.timeIntervalSince1970
                try db.execute(
                    sql: "INSERT INTO cluster_merges (from_key, into_key, author, at, note) VALUES (?, ?, ?, ?, ?)",
                    arguments: [source.key, target.key, author, t, note])
                // Flattened: what was merged into `from` now leads straight to `into`.
                try db.execute(
                    sql: "UPDATE cluster_merges SET into_key = ? WHERE into_key = ?",
                    arguments: [target.key, source.key])
                try audit(db, from, author, "fusionné dans le contenu n° \(into)", note, t)
                try audit(db, into, author, "contenu n° \(from) fusionné dans celui-ci", note, t)
                _ = try link(db, .clusters([from]), rebuild: false, now: now, identify: identify)
                return .commit
            }
        }
    }

    /// Splits the URL written `url` (and every URL of the same literal key) out of cluster `id` into a cluster of
    /// its own, now and at every later intake or rebuild; returns the new cluster's id. Refused when the URL is not
    /// in the cluster, already split, or when nothing would be left in the cluster.
    public func splitURL(
        clusterID id: Int64, url: String, literal: String, author: String, note: String?, now: Date = Date(),
        identify: Identify
    ) throws -> Int64 {
        try pool.writeWithoutTransaction { db in
            var created: Int64 = 0
            try db.inTransaction(.immediate) {
                let source = try liveCluster(db, id)
                guard
                    try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM report_urls WHERE cluster_id = ? AND url = ? LIMIT 1",
                        arguments: [id, url]) ?? false
                else { throw ClusterCorrectionError.urlNotInCluster(cluster: id, url: url) }
                if try String.fetchOne(db, sql: "SELECT 1 FROM url_splits WHERE literal = ?", arguments: [literal])
                    != nil
                {
                    throw ClusterCorrectionError.alreadySplit(cluster: id, url: url)
                }
                let key = IdentityOverrides.splitKey(literal: literal)
                let t = now.timeIntervalSince1970
                try db.execute(
                    sql: """
                        INSERT INTO url_splits (literal, cluster_key, canonical_url, from_key, author, at, note)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [literal, key, url, source.key, author, t, note])
                _ = try link(db, .clusters([id]), rebuild: false, now: now, identify: identify)
                let left = try Int.fetchOne(db, sql: "SELECT reports FROM clusters WHERE id = ?", arguments: [id]) ?? 0
                guard left > 0,
                    let new = try Int64.fetchOne(db, sql: "SELECT id FROM clusters WHERE key = ?", arguments: [key])
                else { throw ClusterCorrectionError.nothingLeft(cluster: id, url: url) }
                created = new
                try audit(db, id, author, "adresse séparée vers le contenu n° \(new) : \(url)", note, t)
                try audit(db, new, author, "séparé du contenu n° \(id) : \(url)", note, t)
                return .commit
            }
            return created
        }
    }

    /// Where cluster `id` stands among the corrections.
    public func lineage(clusterID id: Int64) throws -> ClusterLineage {
        try pool.read { db in
            guard let key = try String.fetchOne(db, sql: "SELECT key FROM clusters WHERE id = ?", arguments: [id])
            else { return ClusterLineage() }
            let into = try mergedInto(db, key)
            let absorbed = try Int64.fetchAll(
                db,
                sql: """
                    SELECT c.id FROM cluster_merges m JOIN clusters c ON c.key = m.from_key WHERE m.into_key = ?
                    ORDER BY c.id
                    """, arguments: [key])
            let from = try Int64.fetchOne(
                db,
                sql: """
                    SELECT c.id FROM url_splits s JOIN clusters c ON c.key = s.from_key WHERE s.cluster_key = ? LIMIT 1
                    """, arguments: [key])
            return ClusterLineage(mergedInto: into, absorbed: absorbed, splitFrom: from)
        }
    }

    /// Every stored correction, oldest first.
    public func identityOverrideRecords() throws -> [IdentityOverrideRecord] {
        try pool.read { db in
            // `source`/`target`: the columns shown; `from`: the key of the cluster the correction took URLs from.
            func records(
                _ kind: IdentityOverrideRecord.Kind, _ table: String, _ source: String, _ target: String, from: String
            ) throws -> [IdentityOverrideRecord] {
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(source) AS source, \(target) AS target, author, at, note,
                            (SELECT id FROM clusters WHERE key = t.\(from)) AS src,
                            (SELECT id FROM clusters WHERE key = t.\(target)) AS dst
                        FROM \(table) t
                        """
                ).map { r in
                    IdentityOverrideRecord(
                        kind: kind, source: r["source"], target: r["target"], sourceClusterID: r["src"],
                        targetClusterID: r["dst"], author: r["author"], at: Date(timeIntervalSince1970: r["at"]),
                        note: r["note"])
                }
            }
            let merges = try records(.merge, "cluster_merges", "from_key", "into_key", from: "from_key")
            let splits = try records(.split, "url_splits", "literal", "cluster_key", from: "from_key")
            return (merges + splits).sorted { $0.at < $1.at }
        }
    }

    private struct LiveCluster {
        var key: String
        var status: ModerationStatus
    }

    /// A cluster that exists and was not merged into another; refused otherwise.
    private func liveCluster(_ db: Database, _ id: Int64) throws -> LiveCluster {
        guard let r = try Row.fetchOne(db, sql: "SELECT key, status FROM clusters WHERE id = ?", arguments: [id]) else {
            throw ClusterCorrectionError.unknownCluster(id)
        }
        let key: String = r["key"]
        if let into = try mergedInto(db, key) {
            throw ClusterCorrectionError.alreadyMerged(cluster: id, into: into)
        }
        return LiveCluster(key: key, status: try r.decodeStored(ModerationStatus.self, "status", table: "clusters"))
    }

    /// The cluster the cluster of identity `key` was merged into, if it was.
    private func mergedInto(_ db: Database, _ key: String) throws -> Int64? {
        try Int64.fetchOne(
            db, sql: "SELECT c.id FROM cluster_merges m JOIN clusters c ON c.key = m.into_key WHERE m.from_key = ?",
            arguments: [key])
    }

    private func audit(
        _ db: Database, _ id: Int64, _ author: String, _ action: String, _ note: String?, _ t: Double
    )
        throws
    {
        try db.execute(
            sql: "INSERT INTO console_audit (cluster_id, at, author, action, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [id, t, author, action, note])
    }
}
