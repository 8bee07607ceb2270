import GRDB
import VigieCore

/// Table definitions, one function per migration.
enum Schema {
    static func intakeV1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE messages (
                    id INTEGER PRIMARY KEY,
                    mailbox TEXT NOT NULL,          -- user@host/mailbox of the intake queue
                    queue TEXT NOT NULL,            -- queue name (file name without .toml)
                    role TEXT NOT NULL DEFAULT 'reports',   -- the queue's role: reports or subscriptions
                    uid_validity INTEGER NOT NULL,
                    uid INTEGER NOT NULL,
                    message_id TEXT,                -- header Message-ID, for deduplication
                    sha256 TEXT NOT NULL,
                    size INTEGER NOT NULL,          -- RFC822.SIZE on the server
                    truncated INTEGER NOT NULL DEFAULT 0,   -- the raw bytes are the header only (over the size limit)
                    received_at REAL NOT NULL,
                    status TEXT NOT NULL DEFAULT 'received',
                    parse_attempts INTEGER NOT NULL DEFAULT 0,
                    parse_error TEXT,
                    UNIQUE (mailbox, uid_validity, uid)
                );
                -- The raw bytes apart: scans of messages (status, dates) never walk a blob's overflow pages.
                CREATE TABLE message_raw (
                    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
                    raw BLOB NOT NULL
                );
                CREATE UNIQUE INDEX messages_sha256 ON messages(sha256);
                CREATE INDEX messages_message_id ON messages(message_id) WHERE message_id IS NOT NULL;
                CREATE INDEX messages_status ON messages(status);
                CREATE INDEX messages_queue_status ON messages(queue, status);

                CREATE TABLE reports (
                    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
                    from_address TEXT,
                    from_name TEXT,
                    reporter TEXT,                  -- normalised sender: lowercased, +tag removed
                    subject TEXT,
                    date REAL,
                    reply_to TEXT NOT NULL DEFAULT '[]',
                    in_reply_to TEXT,
                    header_message_id TEXT,
                    text TEXT,
                    attachments TEXT NOT NULL DEFAULT '[]',
                    automatic_reason TEXT,
                    warnings TEXT NOT NULL DEFAULT '[]'
                );
                CREATE INDEX reports_reporter ON reports(reporter);

                CREATE TABLE report_urls (
                    report_id INTEGER NOT NULL REFERENCES reports(message_id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    url TEXT NOT NULL,
                    PRIMARY KEY (report_id, position)
                );

                CREATE TABLE intake_state (
                    mailbox TEXT PRIMARY KEY,
                    uid_validity INTEGER NOT NULL,
                    last_uid INTEGER NOT NULL,
                    updated_at REAL NOT NULL
                );

                -- Server-side actions (\\Seen, move) owed for committed UIDs; cleared once done, replayed after a crash.
                CREATE TABLE intake_pending_actions (
                    mailbox TEXT NOT NULL,
                    uid_validity INTEGER NOT NULL,
                    uid INTEGER NOT NULL,
                    PRIMARY KEY (mailbox, uid_validity, uid)
                ) WITHOUT ROWID;
                """)
    }

    static func clustersV1(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE report_urls ADD COLUMN cluster_id INTEGER REFERENCES clusters(id);
                CREATE TABLE clusters (
                    id INTEGER PRIMARY KEY,
                    key TEXT NOT NULL UNIQUE,       -- content identity
                    platform TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    account_key TEXT,               -- the identity of the account that published it, when known
                    canonical_url TEXT NOT NULL,
                    reports INTEGER NOT NULL DEFAULT 0,
                    reporters INTEGER NOT NULL DEFAULT 0,
                    first_reported REAL,
                    last_reported REAL,
                    status TEXT NOT NULL DEFAULT 'new',
                    offence TEXT,
                    note TEXT,
                    platform_ref TEXT,
                    notified_at REAL,
                    notified_channel TEXT,
                    reason TEXT,
                    updated_at REAL
                );
                CREATE INDEX clusters_account ON clusters(account_key) WHERE account_key IS NOT NULL;
                CREATE INDEX clusters_status ON clusters(status);
                CREATE INDEX report_urls_cluster ON report_urls(cluster_id);

                -- Distinct reporters of each cluster, with when they reported it (velocity needs last_at).
                CREATE TABLE cluster_reporters (
                    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
                    reporter TEXT NOT NULL,
                    first_at REAL NOT NULL,
                    last_at REAL NOT NULL,
                    reports INTEGER NOT NULL,
                    PRIMARY KEY (cluster_id, reporter)
                ) WITHOUT ROWID;
                CREATE INDEX cluster_reporters_last ON cluster_reporters(last_at);

                -- The audit trail of the moderation workflow: every change, when and by whom.
                CREATE TABLE cluster_events (
                    id INTEGER PRIMARY KEY,
                    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
                    at REAL NOT NULL,
                    author TEXT NOT NULL,
                    from_status TEXT NOT NULL,
                    to_status TEXT NOT NULL,
                    offence TEXT,
                    note TEXT,
                    platform_ref TEXT,
                    channel TEXT,
                    reason TEXT
                );
                CREATE INDEX cluster_events_cluster ON cluster_events(cluster_id);

                -- Short links and where they lead; failures are retried later, never blocking intake.
                CREATE TABLE short_links (
                    url TEXT PRIMARY KEY,
                    final_url TEXT,
                    status TEXT NOT NULL,           -- pending, resolved, failed
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL,
                    error TEXT,
                    updated_at REAL NOT NULL
                );
                """)
    }

    static func newsletterV1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE subscribers (
                    id INTEGER PRIMARY KEY,
                    email TEXT NOT NULL,              -- as given, domain lowercased
                    email_key TEXT NOT NULL UNIQUE,   -- lowercased: one subscriber per address whatever its case
                    name TEXT,
                    language TEXT,
                    status TEXT NOT NULL DEFAULT 'active',   -- active, unsubscribed, bounced
                    token_salt INTEGER NOT NULL DEFAULT 0,   -- bumped to revoke old unsubscribe tokens
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    status_changed_at REAL,
                    status_reason TEXT,
                    bounces INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX subscribers_status ON subscribers(status);

                CREATE TABLE subscriber_events (
                    id INTEGER PRIMARY KEY,
                    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
                    at REAL NOT NULL,
                    event TEXT NOT NULL,             -- imported, added, unsubscribed, bounced, resubscribed
                    detail TEXT
                );

                CREATE TABLE editions (
                    id TEXT PRIMARY KEY,
                    subject TEXT NOT NULL,
                    date TEXT NOT NULL,
                    source_sha256 TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    completed_at REAL
                );

                -- The durable queue: one row per edition and subscriber, created once by the snapshot.
                CREATE TABLE deliveries (
                    edition_id TEXT NOT NULL REFERENCES editions(id),
                    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
                    email TEXT NOT NULL,
                    name TEXT,
                    state TEXT NOT NULL DEFAULT 'pending',   -- pending, sending, sent, deferred, failed
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL,
                    last_code INTEGER,
                    last_reply TEXT,
                    message_id TEXT,
                    sent_at REAL,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (edition_id, subscriber_id)
                ) WITHOUT ROWID;
                CREATE INDEX deliveries_due ON deliveries(edition_id, state, next_attempt_at);
                """)
    }

    /// Two messages sharing one Message-ID are both kept; the later one names the earlier.
    static func messageIDCollision(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE messages ADD COLUMN message_id_collision INTEGER REFERENCES messages(id);
                """)
    }

    static func leasesV1(_ db: Database) throws {
        try db.execute(
            sql: """
                -- One row per job that must not run twice (an edition's send, a mailbox's poll, a rebuild): who holds it
                -- and until when. The token is random per holder, so only the holder can renew or release it.
                CREATE TABLE leases (
                    job TEXT PRIMARY KEY,
                    token TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    host TEXT NOT NULL,
                    since REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    renewed_at REAL NOT NULL
                ) WITHOUT ROWID;
                """)
    }

    static func outboxV1(_ db: Database) throws {
        // The CHECK lists are this migration's, frozen: a new kind or state needs a migration of its own
        // (OutboxStoreTests pins them).
        let kinds = OutboxKind.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
        let states = OutboxState.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
        try db.execute(
            sql: """
                -- Every message that is not the newsletter (acknowledgements, outcome notices, digests, alerts,
                -- confirmations, platform notices), composed once at enqueue; dedupe_key makes enqueueing idempotent.
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY,
                    queue TEXT NOT NULL,                -- the outbound queue whose relay and pacing send it
                    kind TEXT NOT NULL CHECK (kind IN (\(kinds))),
                    dedupe_key TEXT NOT NULL UNIQUE,
                    recipient TEXT NOT NULL,
                    envelope_from TEXT NOT NULL,        -- '' is the null sender <>
                    message_id TEXT NOT NULL,
                    message BLOB NOT NULL,
                    subject_ref TEXT,                   -- report:ID, cluster:ID, digest:PERIOD
                    state TEXT NOT NULL DEFAULT \(quoted(OutboxState.pending.rawValue)) CHECK (state IN (\(states))),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL,
                    last_code INTEGER,
                    last_reply TEXT,
                    created_at REAL NOT NULL,
                    sent_at REAL,
                    updated_at REAL NOT NULL
                );
                CREATE INDEX outbox_due ON outbox(queue, state, next_attempt_at);
                CREATE INDEX outbox_subject ON outbox(subject_ref) WHERE subject_ref IS NOT NULL;
                """)
    }

    /// Crash gaps closed: the reports saved but not yet linked to clusters (linked at the next start), and the
    /// message behind each subscription side effect (so a message processed twice acts once).
    static func crashGapsV1(_ db: Database) throws {
        try db.execute(
            sql: """
                -- Citizen reports saved but not linked yet: a row lives from the report's commit to its linking commit.
                CREATE TABLE reports_to_link (
                    report_id INTEGER PRIMARY KEY REFERENCES reports(message_id) ON DELETE CASCADE
                );
                -- Reports an earlier crash left unlinked (with some URL still outside every cluster) are linked anew;
                -- URLs that are not contents stay outside, so this costs one pass and changes no count.
                INSERT INTO reports_to_link (report_id)
                    SELECT DISTINCT ru.report_id FROM report_urls ru WHERE ru.cluster_id IS NULL;

                -- The subscriptions mailbox's message that changed a subscriber (unsubscribe, bounce, soft bounce).
                CREATE TABLE subscriber_effects (
                    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
                    at REAL NOT NULL,
                    PRIMARY KEY (message_id, subscriber_id)
                ) WITHOUT ROWID;
                """)
    }

    /// The acknowledgement interval looks up the latest acknowledgement per address at every report.
    static func outboxRecipient(_ db: Database) throws {
        try db.execute(sql: "CREATE INDEX outbox_kind_recipient ON outbox(kind, lower(recipient), created_at)")
    }

    static func digestV1(_ db: Database) throws {
        // The CHECK list is this migration's, frozen: a new job needs a migration of its own.
        let jobs = ScheduledJob.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
        try db.execute(
            sql: """
                -- The periods each scheduled job served: inserted in the transaction that enqueues the job's mail, so a
                -- period is served exactly once across restarts, crashes and concurrent runners.
                CREATE TABLE schedule_runs (
                    job TEXT NOT NULL CHECK (job IN (\(jobs))),
                    period TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                    at REAL NOT NULL,               -- when it ran: the next digest covers what happened since
                    UNIQUE (job, period)
                );
                -- Clusters whose alert went to the moderators, and when (once per cluster). A table of its own rather
                -- than a column: the state tables keep the shape `Schema.rebuildStateTable` copies.
                CREATE TABLE cluster_alerts (
                    cluster_id INTEGER PRIMARY KEY REFERENCES clusters(id) ON DELETE CASCADE,
                    at REAL NOT NULL
                );
                -- The digest's windows: reports, new clusters and moderation events since the last digest.
                CREATE INDEX messages_received ON messages(received_at, status, role);
                CREATE INDEX clusters_account_posts ON clusters(account_key, kind, reports) WHERE account_key IS NOT NULL;
                CREATE INDEX clusters_first_reported ON clusters(first_reported);
                CREATE INDEX cluster_events_at ON cluster_events(at);
                """)
    }

    static func scheduledEditionsV1(_ db: Database) throws {
        // The CHECK list is this migration's, frozen: a new state needs a migration of its own.
        let states = ScheduledEditionState.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
        try db.execute(
            sql: """
                -- The edition file as sending started, so that `serve` can resume an edition left unfinished.
                ALTER TABLE editions ADD COLUMN source TEXT;

                -- Editions queued for `serve` to send at send_at; the file's text is kept (the file may change or go).
                CREATE TABLE scheduled_editions (
                    id INTEGER PRIMARY KEY,
                    edition_id TEXT NOT NULL UNIQUE,
                    queue TEXT,                         -- the newsletter queue; NULL: the first one
                    source TEXT NOT NULL,
                    source_sha256 TEXT NOT NULL,
                    send_at REAL NOT NULL,
                    state TEXT NOT NULL DEFAULT \(quoted(ScheduledEditionState.scheduled.rawValue))
                        CHECK (state IN (\(states))),
                    created_at REAL NOT NULL,
                    started_at REAL,
                    sent_at REAL
                );
                CREATE INDEX scheduled_editions_due ON scheduled_editions(state, send_at);
                """)
    }
}
