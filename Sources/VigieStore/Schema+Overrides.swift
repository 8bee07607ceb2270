import GRDB

extension Schema {
    /// Moderators' corrections of the identity rules: clusters merged, URLs split out. Intake, short-link resolution
    /// and `clusters rebuild` all read them, so a correction outlives every relinking.
    static func overridesV1(_ db: Database) throws {
        try db.execute(
            sql: """
                -- The absorbed cluster's identity key → the key of the cluster that absorbed it (kept flattened: a
                -- target is never itself absorbed). The absorbed cluster's row stays, empty, for its history.
                CREATE TABLE cluster_merges (
                    from_key TEXT PRIMARY KEY,
                    into_key TEXT NOT NULL,
                    author TEXT NOT NULL,
                    at REAL NOT NULL,
                    note TEXT
                ) WITHOUT ROWID;
                CREATE INDEX cluster_merges_into ON cluster_merges(into_key);

                -- A URL (its literal key: the URL up to scheme, host case, parameter order and fragment) split out
                -- of the cluster the rules gave it into a cluster of its own.
                CREATE TABLE url_splits (
                    literal TEXT PRIMARY KEY,
                    cluster_key TEXT NOT NULL,
                    canonical_url TEXT NOT NULL,
                    from_key TEXT NOT NULL,
                    author TEXT NOT NULL,
                    at REAL NOT NULL,
                    note TEXT
                ) WITHOUT ROWID;
                """)
    }
}
