import Foundation
import GRDB
import VigieCore

/// A column that holds one of an enum's raw values: the enum is the one list of what the column may hold.
struct StateColumn: Sendable {
    var table: String
    var column: String
    /// The enum's raw values, in declaration order.
    var known: [String]

    init<T: RawRepresentable & CaseIterable>(_ table: String, _ column: String, _ type: T.Type)
    where T.RawValue == String {
        self.table = table
        self.column = column
        known = T.allCases.map(\.rawValue)
    }

    /// `CHECK (status = 'received' OR status = 'parsed' …)`, from the enum. A chain of `=` rather than `IN (…)`:
    /// SQLite checks an `IN` list of more than two constants through a temporary b-tree it builds for every row
    /// written, a quarter of the cost of the newsletter's per-message UPDATEs (`v14-state-checks`).
    var check: String {
        "CHECK (" + known.map { "\(column) = \(Schema.quoted($0))" }.joined(separator: " OR ") + ")"
    }
}

extension Schema {
    /// Every state column the store keeps, with the enum it holds.
    static let stateColumns: [StateColumn] = [
        StateColumn("messages", "status", MessageStatus.self),
        StateColumn("messages", "role", IntakeRole.self),
        StateColumn("clusters", "platform", Platform.self),
        StateColumn("clusters", "kind", ContentIdentity.Kind.self),
        StateColumn("clusters", "status", ModerationStatus.self),
        StateColumn("cluster_events", "from_status", ModerationStatus.self),
        StateColumn("cluster_events", "to_status", ModerationStatus.self),
        StateColumn("short_links", "status", ShortLinkStatus.self),
        StateColumn("subscribers", "status", SubscriberStatus.self),
        StateColumn("subscriber_events", "event", SubscriberEvent.self),
        StateColumn("deliveries", "state", DeliveryStatus.self),
    ]

    /// A SQL string literal.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// The `CHECK` of `table.column`, from `stateColumns`.
    static func check(_ table: String, _ column: String) -> String {
        guard let state = stateColumns.first(where: { $0.table == table && $0.column == column }) else {
            preconditionFailure("\(table).\(column) is not in Schema.stateColumns")
        }
        return state.check
    }

    /// The tables holding a state column, in the order `v6-state-checks` rebuilt them.
    static let stateTables = [
        "messages", "clusters", "cluster_events", "short_links", "subscribers",
        "subscriber_events", "deliveries",
    ]

    /// Each state column gets a `CHECK` listing its enum's raw values (`v6-state-checks`). A value no enum knows
    /// stops the migration with its table, column and value; the migration's transaction leaves the file as it was.
    static func stateChecks(_ db: Database) throws {
        for table in stateTables { try rebuildStateTable(db, table) }
    }

    /// Every state table rebuilt with its CHECKs written as chains of `=` (`v14-state-checks`): the same values
    /// allowed, without the temporary b-tree SQLite builds to check an `IN` list at every write. `deliveries_due`
    /// then holds only the rows still to attempt, in subscriber order: taking a row for the wire removes it from the
    /// index, and marking it `sent` no longer touches any index.
    static func stateChecksAsEqualities(_ db: Database) throws {
        for table in stateTables { try rebuildStateTable(db, table) }
        try db.execute(
            sql: """
                DROP INDEX deliveries_due;
                CREATE INDEX deliveries_due ON deliveries(edition_id, subscriber_id, state, next_attempt_at)
                    WHERE \(deliveriesDue);
                """)
    }

    /// The rows of `deliveries_due`: pending, or deferred until `next_attempt_at`. Frozen with `v14-state-checks`; a
    /// query names these constants, as written here, for SQLite to use the index.
    static let deliveriesDue = "state = 'pending' OR state = 'deferred'"

    /// Rebuilds `table` with the CHECKs of today's enums. SQLite cannot change a column's constraints, so the table
    /// is copied into a new one (its foreign keys are checked by the migrator before the commit). Adding a case to
    /// one of the enums of `stateColumns` needs a new migration calling this for its table, or existing databases
    /// refuse the new value: `StateCheckTests` pins the lists so that it is not forgotten.
    static func rebuildStateTable(_ db: Database, _ table: String) throws {
        for state in stateColumns where state.table == table { try refuseUnknownValues(db, state) }
        let (columns, withoutRowID) = stateTableColumns(table)
        try rebuild(db, table, columns, withoutRowID: withoutRowID)
    }

    /// The columns of a state table as `v6-state-checks` made them (same names and order as before it), CHECKs and
    /// defaults taken from the enums. A shipped migration uses this: never add a column here. Once a later migration
    /// changes one of these tables' columns, this shape is old for that table: growing one of its enums then
    /// rebuilds it with a definition of its own (`rebuild` refuses, loudly, to copy into the older shape).
    private static func stateTableColumns(_ table: String) -> (columns: String, withoutRowID: Bool) {
        let q = quoted
        switch table {
        case "messages":
            return (
                """
                id INTEGER PRIMARY KEY,
                mailbox TEXT NOT NULL,
                queue TEXT NOT NULL,
                role TEXT NOT NULL DEFAULT \(q(IntakeRole.reports.rawValue)) \(check("messages", "role")),
                uid_validity INTEGER NOT NULL,
                uid INTEGER NOT NULL,
                message_id TEXT,
                sha256 TEXT NOT NULL,
                size INTEGER NOT NULL,
                truncated INTEGER NOT NULL DEFAULT 0,
                received_at REAL NOT NULL,
                status TEXT NOT NULL DEFAULT \(q(MessageStatus.received.rawValue)) \(check("messages", "status")),
                parse_attempts INTEGER NOT NULL DEFAULT 0,
                parse_error TEXT,
                message_id_collision INTEGER REFERENCES messages(id),
                UNIQUE (mailbox, uid_validity, uid)
                """, false
            )
        case "clusters":
            return (
                """
                id INTEGER PRIMARY KEY,
                key TEXT NOT NULL UNIQUE,
                platform TEXT NOT NULL \(check("clusters", "platform")),
                kind TEXT NOT NULL \(check("clusters", "kind")),
                account_key TEXT,
                canonical_url TEXT NOT NULL,
                reports INTEGER NOT NULL DEFAULT 0,
                reporters INTEGER NOT NULL DEFAULT 0,
                first_reported REAL,
                last_reported REAL,
                status TEXT NOT NULL DEFAULT \(q(ModerationStatus.new.rawValue)) \(check("clusters", "status")),
                offence TEXT,
                note TEXT,
                platform_ref TEXT,
                notified_at REAL,
                notified_channel TEXT,
                reason TEXT,
                updated_at REAL
                """, false
            )
        case "cluster_events":
            return (
                """
                id INTEGER PRIMARY KEY,
                cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
                at REAL NOT NULL,
                author TEXT NOT NULL,
                from_status TEXT NOT NULL \(check("cluster_events", "from_status")),
                to_status TEXT NOT NULL \(check("cluster_events", "to_status")),
                offence TEXT,
                note TEXT,
                platform_ref TEXT,
                channel TEXT,
                reason TEXT
                """, false
            )
        case "short_links":
            return (
                """
                url TEXT PRIMARY KEY,
                final_url TEXT,
                status TEXT NOT NULL \(check("short_links", "status")),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL,
                error TEXT,
                updated_at REAL NOT NULL
                """, false
            )
        case "subscribers":
            return (
                """
                id INTEGER PRIMARY KEY,
                email TEXT NOT NULL,
                email_key TEXT NOT NULL UNIQUE,
                name TEXT,
                language TEXT,
                status TEXT NOT NULL DEFAULT \(q(SubscriberStatus.active.rawValue)) \(check("subscribers", "status")),
                token_salt INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                status_changed_at REAL,
                status_reason TEXT,
                bounces INTEGER NOT NULL DEFAULT 0
                """, false
            )
        case "subscriber_events":
            return (
                """
                id INTEGER PRIMARY KEY,
                subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
                at REAL NOT NULL,
                event TEXT NOT NULL \(check("subscriber_events", "event")),
                detail TEXT
                """, false
            )
        case "deliveries":
            return (
                """
                edition_id TEXT NOT NULL REFERENCES editions(id),
                subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
                email TEXT NOT NULL,
                name TEXT,
                state TEXT NOT NULL DEFAULT \(q(DeliveryStatus.pending.rawValue)) \(check("deliveries", "state")),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL,
                last_code INTEGER,
                last_reply TEXT,
                message_id TEXT,
                sent_at REAL,
                updated_at REAL NOT NULL,
                PRIMARY KEY (edition_id, subscriber_id)
                """, true
            )
        default:
            preconditionFailure("\(table) holds no state column")
        }
    }

    /// Throws `UnknownStoredValueError` for the first value of `state`'s column its enum does not know.
    static func refuseUnknownValues(_ db: Database, _ state: StateColumn) throws {
        let marks = Array(repeating: "?", count: state.known.count).joined(separator: ", ")
        let unknown = try Row.fetchOne(
            db,
            sql: """
                SELECT \(state.column) AS value FROM \(state.table)
                WHERE \(state.column) IS NULL OR \(state.column) NOT IN (\(marks)) LIMIT 1
                """, arguments: StatementArguments(state.known))
        if let unknown {
            let value: String? = unknown["value"]
            throw UnknownStoredValueError(
                column: state.table + "." + state.column, value: value ?? "NULL",
                known: state.known)
        }
    }

    /// Rebuilds `table` with the column definitions given (the same columns, in the same order, plus constraints):
    /// every row is copied by column name and the table's indexes and triggers are created again as they were.
    static func rebuild(_ db: Database, _ table: String, _ columns: String, withoutRowID: Bool = false) throws {
        let indexes = try String.fetchAll(
            db,
            sql: """
                SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL
                ORDER BY type, name
                """, arguments: [table])
        let names = try db.columns(in: table).map { "\"\($0.name)\"" }.joined(separator: ", ")
        let staging = table + "_rebuilt"
        try db.execute(sql: "CREATE TABLE \(staging) (\n\(columns)\n)" + (withoutRowID ? " WITHOUT ROWID" : ""))
        try db.execute(sql: "INSERT INTO \(staging) (\(names)) SELECT \(names) FROM \(table)")
        try db.execute(sql: "DROP TABLE \(table)")
        try db.execute(sql: "ALTER TABLE \(staging) RENAME TO \(table)")
        for sql in indexes { try db.execute(sql: sql) }
    }
}
