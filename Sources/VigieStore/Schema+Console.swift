import GRDB
import VigieCore

extension Schema {
    /// The moderators' console: accounts, server-side sessions, failed logins (throttling) and the console's audit.
    static func consoleV1(_ db: Database) throws {
        let roles = ConsoleRole.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        try db.execute(
            sql: """
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    role TEXT NOT NULL CHECK (role IN (\(roles))),
                    password_hash TEXT NOT NULL,    -- bcrypt; never logged, never shown
                    disabled INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    password_changed_at REAL NOT NULL,
                    last_login_at REAL
                );
                -- Only a hash of the cookie's token is kept: a copy of the database opens no session.
                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    csrf TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    last_seen REAL NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX sessions_user ON sessions(user_id);
                CREATE TABLE login_failures (
                    id INTEGER PRIMARY KEY,
                    account TEXT NOT NULL COLLATE NOCASE,
                    client TEXT NOT NULL,
                    at REAL NOT NULL
                );
                CREATE INDEX login_failures_account ON login_failures(account, at);
                CREATE INDEX login_failures_client ON login_failures(client, at);
                -- What moderators did that is not a change of status: reporters' addresses viewed, a notice read.
                CREATE TABLE console_audit (
                    id INTEGER PRIMARY KEY,
                    cluster_id INTEGER REFERENCES clusters(id) ON DELETE CASCADE,
                    at REAL NOT NULL,
                    author TEXT NOT NULL,
                    action TEXT NOT NULL,
                    detail TEXT
                );
                CREATE INDEX console_audit_cluster ON console_audit(cluster_id);
                CREATE INDEX clusters_last_reported ON clusters(last_reported);
                CREATE INDEX clusters_reporters ON clusters(reporters);
                """)
    }
}
