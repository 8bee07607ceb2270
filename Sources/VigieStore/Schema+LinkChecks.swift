import GRDB
import VigieCore

extension Schema {
    /// `v10-link-checks`: every automatic or manual check of a qualified or notified cluster's URLs.
    static func linkChecksV1(_ db: Database) throws {
        // The CHECK lists are this migration's, frozen: a new value needs a migration of its own.
        let verdicts = LinkVerdict.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
        let methods = LinkCheckMethod.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
        try db.execute(
            sql: """
                CREATE TABLE link_checks (
                    id INTEGER PRIMARY KEY,
                    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
                    url TEXT NOT NULL,
                    checked_at REAL NOT NULL,
                    http_status INTEGER NOT NULL DEFAULT 0,     -- 0: no answer (timeout, unreachable)
                    final_url TEXT,
                    verdict TEXT NOT NULL CHECK (verdict IN (\(verdicts))),
                    detail TEXT NOT NULL DEFAULT '',
                    method TEXT NOT NULL CHECK (method IN (\(methods)))
                );
                CREATE INDEX link_checks_cluster ON link_checks(cluster_id, checked_at);
                -- The moderation events the schedule and the platforms' record read: first notice, removal.
                CREATE INDEX cluster_events_status ON cluster_events(to_status, cluster_id, at);
                """)
    }
}
