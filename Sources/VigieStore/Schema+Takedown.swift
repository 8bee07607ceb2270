import GRDB
import VigieCore

extension Schema {
    /// Notices mailed to platforms, and the platforms' replies; the messages table learns the `platform-replies`
    /// role (its CHECK is rebuilt from `IntakeRole`).
    static func noticesV1(_ db: Database) throws {
        try rebuildStateTable(db, "messages")
        try db.execute(
            sql: """
                -- One row per notice mailed to a platform (`vigie clusters notify ID --send`), inserted in the
                -- transaction that enqueues it and marks the cluster notified: its Message-ID is what replies name.
                CREATE TABLE notices (
                    id INTEGER PRIMARY KEY,
                    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
                    message_id TEXT NOT NULL UNIQUE,    -- without angle brackets
                    platform TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    dedupe_key TEXT NOT NULL,           -- the outbox row that carries it
                    author TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    message BLOB NOT NULL               -- the mail as sent, kept for good (the outbox prunes its copy)
                );
                CREATE INDEX notices_cluster ON notices(cluster_id);

                -- Mail of a platform-replies mailbox: matched to a notice (hence its cluster) by In-Reply-To or
                -- References, or kept unmatched (cluster_id NULL) for a human to read.
                CREATE TABLE platform_replies (
                    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
                    notice_id INTEGER REFERENCES notices(id),
                    cluster_id INTEGER REFERENCES clusters(id) ON DELETE SET NULL,
                    received_at REAL NOT NULL,
                    from_address TEXT,
                    subject TEXT,
                    excerpt TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX platform_replies_cluster ON platform_replies(cluster_id, received_at);
                CREATE INDEX platform_replies_received ON platform_replies(received_at);
                """)
    }

    /// Evidence: each reported URL of a cluster fetched once, soon after it is first reported.
    static func evidenceV1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE evidence (
                    id INTEGER PRIMARY KEY,
                    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
                    url TEXT NOT NULL,                  -- as the citizen wrote it
                    fetched_at REAL NOT NULL,
                    http_status INTEGER NOT NULL,       -- 0: no answer (error says why)
                    final_url TEXT,
                    headers TEXT NOT NULL,              -- every header block received, redirects included
                    body BLOB NOT NULL,                 -- up to the size limit
                    truncated INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,               -- of body
                    error TEXT,
                    UNIQUE (cluster_id, url)
                );
                -- The reports whose URLs were looked at: the fetcher walks report ids past this mark, so a database
                -- that existed before evidence starts with what comes next, not with its whole history.
                CREATE TABLE evidence_cursor (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    last_report_id INTEGER NOT NULL
                );
                INSERT INTO evidence_cursor (id, last_report_id) SELECT 1, coalesce(max(message_id), 0) FROM reports;
                """)
    }
}
