import Foundation
import GRDB
import Testing
import VigieCore

@testable import VigieStore

/// One valid row per table, written in raw SQL so that it works on the schema before `v6-state-checks` too; `n`
/// keeps unique keys apart. Parents (cluster 1, subscribers 1…3) come from `seedParents`.
private func insertRow(
    _ db: Database, _ table: String, _ n: Int, overriding column: String? = nil,
    with value: String? = nil
) throws {
    var row: [(String, (any DatabaseValueConvertible)?)]
    switch table {
    case "messages":
        row = [
            ("mailbox", "box"), ("queue", "q"), ("uid_validity", 1), ("uid", 1000 + n), ("sha256", "sha-\(n)"),
            ("size", 10), ("received_at", 1_800_000_000.0 + Double(n)), ("status", "parsed"), ("role", "reports"),
        ]
    case "clusters":
        row = [
            ("key", "web:site\(n).fr/"), ("platform", "web"), ("kind", "page"),
            ("canonical_url", "https://site\(n).fr/"), ("status", "new"), ("reports", 1),
        ]
    case "cluster_events":
        row = [("cluster_id", 1), ("at", 1.0), ("author", "modo"), ("from_status", "new"), ("to_status", "qualified")]
    case "short_links":
        row = [("url", "https://t.co/\(n)"), ("status", "pending"), ("updated_at", 1.0)]
    case "subscribers":
        row = [
            ("email", "s\(n)@x.fr"), ("email_key", "s\(n)@x.fr"), ("status", "active"), ("created_at", 1.0),
            ("updated_at", 1.0),
        ]
    case "subscriber_events":
        row = [("subscriber_id", 1), ("at", 1.0), ("event", "added")]
    case "deliveries":
        // One edition per row: the queue's key is (edition, subscriber).
        try db.execute(
            sql: """
                INSERT INTO editions (id, subject, date, source_sha256, created_at)
                    VALUES (?, 'Lettre', '2027-01-01', 'abc', 1)
                """, arguments: ["e\(n)"])
        row = [
            ("edition_id", "e\(n)"), ("subscriber_id", 1), ("email", "s1@x.fr"), ("state", "pending"),
            ("updated_at", 1.0),
        ]
    default:
        preconditionFailure("no row for \(table)")
    }
    if let column, let i = row.firstIndex(where: { $0.0 == column }) { row[i].1 = value }
    let names = row.map(\.0).joined(separator: ", ")
    let marks = Array(repeating: "?", count: row.count).joined(separator: ", ")
    try db.execute(
        sql: "INSERT INTO \(table) (\(names)) VALUES (\(marks))",
        arguments: StatementArguments(row.map(\.1)))
}

/// The parents the rows of `insertRow` point at.
private func seedParents(_ db: Database) throws {
    try insertRow(db, "clusters", 1)
    for n in 1...3 { try insertRow(db, "subscribers", n) }
}

/// A database at `v5-leases` (the schema before the CHECK constraints) with rows in every table and every known
/// value of every state column.
private func previousSchemaDatabase(at path: String) throws {
    try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent,
        withIntermediateDirectories: true)
    let queue = try DatabaseQueue(path: path)
    try Store.migrator.migrate(queue, upTo: "v5-leases")
    try queue.write { db in
        try seedParents(db)
        var n = 10
        for state in Schema.stateColumns {
            for value in state.known {
                n += 1
                try insertRow(db, state.table, n, overriding: state.column, with: value)
            }
        }
        try db.execute(
            sql: """
                INSERT INTO message_raw (message_id, raw) VALUES (1, x'41');
                INSERT INTO reports (message_id, from_address, reporter, subject, text)
                    VALUES (1, 'a@b.fr', 'a@b.fr', 's', 't');
                INSERT INTO report_urls (report_id, position, url, cluster_id) VALUES (1, 0, 'https://site1.fr/', 1);
                INSERT INTO intake_state (mailbox, uid_validity, last_uid, updated_at) VALUES ('box', 1, 9, 1);
                INSERT INTO intake_pending_actions (mailbox, uid_validity, uid) VALUES ('box', 1, 9);
                INSERT INTO cluster_reporters (cluster_id, reporter, first_at, last_at, reports)
                    VALUES (1, 'a@b.fr', 1, 2, 1);
                INSERT INTO leases (job, token, pid, host, since, expires_at, renewed_at)
                    VALUES ('poll:box', 't', 1, 'h', 1, 2, 1);
                UPDATE messages SET message_id_collision = 2 WHERE id = 5;
                """)
    }
    try queue.close()
}

/// Every row of every table (and each table's columns and indexes), in a comparable form.
private func snapshot(_ db: Database) throws -> [String: [String]] {
    try snapshot(db, columnsOf: nil)
}

/// The snapshot with each table's rows read through the columns of `columnsOf` (a later migration may add columns:
/// the rows must still hold what they held).
private func snapshot(_ db: Database, columnsOf previous: [String: [String]]?) throws -> [String: [String]] {
    var out: [String: [String]] = [:]
    let tables = try String.fetchAll(
        db,
        sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'
            """)
    for table in tables {
        let columns = try db.columns(in: table).map(\.name).joined(separator: ",")
        var selected = "*"
        if let line = previous?[table]?.first, line.hasPrefix("columns: ") {
            selected = line.dropFirst("columns: ".count).split(separator: ",").map { "\"\($0)\"" }
                .joined(separator: ", ")
        }
        let rows = try Row.fetchAll(db, sql: "SELECT \(selected) FROM \(table)").map { "\($0)" }.sorted()
        let indexes = try String.fetchAll(
            db,
            sql: """
                SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name
                """, arguments: [table])
        out[table] = ["columns: " + columns, "indexes: " + indexes.joined(separator: ",")] + rows
    }
    return out
}

/// Sets one stored value past the CHECK constraints, as a newer vigie or a hand edit could have left it.
private func forceValue(_ store: Store, _ sql: String) throws {
    try store.pool.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
        defer { try? db.execute(sql: "PRAGMA ignore_check_constraints = OFF") }
        try db.execute(sql: sql)
    }
}

@Suite struct StateCheckTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// The lists the CHECK constraints of existing databases hold: a new case needs a migration that rebuilds its
    /// table (`Schema.rebuildStateTable`), then this table gets the new value.
    @Test func checkListsArePinnedToTheMigration() {
        let pinned: [String: [String]] = [
            "messages.status": ["received", "parsed", "automatic", "unparsed", "too-large"],
            "messages.role": ["reports", "subscriptions", "platform-replies"],
            "clusters.platform": [
                "web", "x", "youtube", "facebook", "instagram", "tiktok", "telegram", "reddit", "dailymotion",
                "threads", "bluesky", "vk", "rumble", "odysee", "twitch", "kick", "linkedin", "gab", "truthsocial",
                "discord",
            ],
            "clusters.kind": ["post", "video", "photo", "comment", "story", "account", "group", "playlist", "page"],
            "clusters.status": ["new", "qualified", "notified", "removed", "online", "rejected"],
            "cluster_events.from_status": ["new", "qualified", "notified", "removed", "online", "rejected"],
            "cluster_events.to_status": ["new", "qualified", "notified", "removed", "online", "rejected"],
            "short_links.status": ["pending", "resolved", "failed"],
            "subscribers.status": ["active", "unsubscribed", "bounced"],
            "subscriber_events.event": ["imported", "added", "unsubscribed", "bounced", "resubscribed", "soft-bounce"],
            "deliveries.state": ["pending", "sending", "sent", "deferred", "failed", "skipped"],
        ]
        for state in Schema.stateColumns {
            let name = state.table + "." + state.column
            #expect(
                pinned[name] == state.known,
                "\(name) changed: register a migration calling Schema.rebuildStateTable(db, \"\(state.table)\")")
        }
        #expect(Set(pinned.keys).count == Schema.stateColumns.count)
        #expect(Set(Schema.stateColumns.map(\.table)) == Set(Schema.stateTables))
    }

    @Test(arguments: Schema.stateColumns.map { "\($0.table).\($0.column)" })
    func checkRefusesAnUnknownValue(_ name: String) throws {
        let state = try #require(Schema.stateColumns.first { "\($0.table).\($0.column)" == name })
        let t = try TempStore()
        let sql = try t.store.pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                arguments: [state.table])
        }
        #expect(sql?.contains(state.check) == true)
        try t.store.pool.write { db in
            try seedParents(db)
            // Every known value goes in (so the refusal below is the CHECK's, not another constraint's).
            for (i, value) in state.known.enumerated() {
                try insertRow(db, state.table, 100 + i, overriding: state.column, with: value)
            }
        }
        let error = #expect(throws: DatabaseError.self) {
            try t.store.pool.write { db in
                try insertRow(db, state.table, 99, overriding: state.column, with: "bogus")
            }
        }
        #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
    }

    @Test func previousSchemaMigratesAndKeepsEveryRow() throws {
        let dir = NSTemporaryDirectory() + "vigie-states-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/vigie.sqlite"
        try previousSchemaDatabase(at: path)
        let before = try DatabaseQueue(path: path).read(snapshot)
        #expect(before["messages"]!.count == 2 + MessageStatus.allCases.count + IntakeRole.allCases.count)

        // v6 itself: every table keeps its columns, its indexes and its rows.
        let queue = try DatabaseQueue(path: path)
        try Store.migrator.migrate(queue, upTo: "v6-state-checks")
        let afterV6 = try queue.read(snapshot)
        try queue.close()
        #expect(Set(afterV6.keys) == Set(before.keys))
        for (table, rows) in before {
            #expect(afterV6[table] == rows, "\(table) changed")
        }
        // The migrations after it add tables and indexes of their own; every row stays.
        let store = try Store(path: path, mode: .mustExist)
        #expect(try store.appliedMigrations().contains("v6-state-checks"))
        let after = try store.pool.read { try snapshot($0, columnsOf: before) }
        #expect(Set(before.keys).isSubset(of: Set(after.keys)))
        for (table, rows) in before {
            // Past the column and index lines, the rows.
            #expect(after[table].map { Array($0.dropFirst(2)) } == Array(rows.dropFirst(2)), "\(table)'s rows changed")
        }
        try store.pool.read { db in
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            for state in Schema.stateColumns {
                let sql = try String.fetchOne(
                    db, sql: "SELECT sql FROM sqlite_master WHERE name = ?",
                    arguments: [state.table])
                #expect(sql?.contains(state.check) == true, "\(state.table) has no CHECK on \(state.column)")
            }
        }
        // Foreign keys still lead to the rebuilt tables: a message's raw bytes go with it.
        try store.pool.write { db in
            try db.execute(sql: "DELETE FROM messages WHERE id = 1")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM message_raw") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM reports") == 0)
        }
        // `reports()` lists the reports mailbox's messages: the rows seeded with the other roles are not.
        #expect(try store.reports().count == before["messages"]!.count - 3 - (IntakeRole.allCases.count - 1))
    }

    /// What a later migration does when an enum grows: the rebuilt tables keep every row and their constraints.
    @Test func rebuildingAgainKeepsEveryRow() throws {
        let dir = NSTemporaryDirectory() + "vigie-states-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/vigie.sqlite"
        try previousSchemaDatabase(at: path)
        let store = try Store(path: path, mode: .mustExist)
        let before = try store.pool.read(snapshot)
        let schemaSQL = "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        let schema = try store.pool.read { db in try String.fetchAll(db, sql: schemaSQL) }
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.inTransaction {
                for table in Schema.stateTables { try Schema.rebuildStateTable(db, table) }
                #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
                return .commit
            }
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        #expect(try store.pool.read(snapshot) == before)
        #expect(try store.pool.read { db in try String.fetchAll(db, sql: schemaSQL) } == schema)
    }

    /// `v14-state-checks` on a database whose CHECKs are the `IN (…)` lists of `v6-state-checks`: every row stays,
    /// every CHECK becomes a chain of `=` that still refuses an unknown value, and `deliveries_due` keeps only the rows
    /// still to attempt.
    @Test func equalityChecksReplaceTheInLists() throws {
        let dir = NSTemporaryDirectory() + "vigie-states-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/vigie.sqlite"
        try previousSchemaDatabase(at: path)
        let queue = try DatabaseQueue(path: path)
        try Store.migrator.migrate(queue, upTo: "v13-cluster-search")
        // The schema as v6 wrote it before v14: `IN (…)` lists, the full due index.
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA writable_schema = ON")
            for state in Schema.stateColumns {
                let list = state.known.map(Schema.quoted).joined(separator: ", ")
                try db.execute(
                    sql: "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE name = ?",
                    arguments: [state.check, "CHECK (\(state.column) IN (\(list)))", state.table])
            }
            try db.execute(
                sql: """
                    UPDATE sqlite_master SET sql = 'CREATE INDEX deliveries_due ON deliveries(edition_id, state, next_attempt_at)'
                    WHERE name = 'deliveries_due'
                    """)
            try db.execute(sql: "PRAGMA writable_schema = OFF")
        }
        try queue.close()
        let before = try DatabaseQueue(path: path).read { db -> [String: [String]] in
            #expect(
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'deliveries'")?
                    .contains("state IN ('pending', 'sending'") == true)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            return try snapshot(db)
        }
        let store = try Store(path: path, mode: .mustExist)
        #expect(try store.appliedMigrations().last == "v14-state-checks")
        #expect(try store.pool.read(snapshot) == before)
        try store.pool.read { db in
            for state in Schema.stateColumns {
                let sql = try #require(
                    try String.fetchOne(
                        db, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [state.table]))
                #expect(sql.contains(state.check), "\(state.table).\(state.column)")
                #expect(!sql.contains("\(state.column) IN ("), "\(state.table).\(state.column) still has a list")
            }
            let due = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'deliveries_due'")
            #expect(due?.contains("WHERE state = 'pending' OR state = 'deferred'") == true)
            // The index holds the due rows, and only them.
            let indexed = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM deliveries INDEXED BY deliveries_due
                    WHERE state = 'pending' OR state = 'deferred'
                    """)
            let dueRows = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM deliveries NOT INDEXED WHERE state IN ('pending', 'deferred')")
            #expect(indexed == dueRows && dueRows == 2)
        }
        // Each rebuilt CHECK refuses a value its enum does not know, and takes every value it knows.
        try store.pool.write { db in
            for (i, state) in Schema.stateColumns.enumerated() {
                let error = #expect(throws: DatabaseError.self, "\(state.table).\(state.column)") {
                    try db.inSavepoint {
                        try insertRow(db, state.table, 500 + i, overriding: state.column, with: "bogus")
                        return .commit
                    }
                }
                #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
                for (j, value) in state.known.enumerated() {
                    try insertRow(db, state.table, 600 + 20 * i + j, overriding: state.column, with: value)
                }
            }
        }
    }

    @Test func migrationStopsOnAnUnknownStoredValue() throws {
        let dir = NSTemporaryDirectory() + "vigie-states-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/vigie.sqlite"
        try previousSchemaDatabase(at: path)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE deliveries SET state = 'queued' WHERE subscriber_id = 1")
        }
        let error = #expect(throws: UnknownStoredValueError.self) { try Store(path: path, mode: .mustExist) }
        #expect(error?.description.contains("deliveries.state holds \"queued\"") == true)
        let applied = try DatabaseQueue(path: path).read { db in try Store.migrator.appliedMigrations(db) }
        #expect(applied.last == "v5-leases")
    }

    @Test func unknownStoredStatesFailLoudly() throws {
        let t = try TempStore()
        let s = t.store
        let ids = try seedReports(s, [("a@b.fr", ["https://x.com/a/status/9"], now)])
        try s.assignClusters(assignments(try s.unclusteredURLs()), now: now)
        let cluster = try #require(try s.clusters(now: now).first)
        try s.moderate(
            clusterID: cluster.id, change: ModerationChange(to: .qualified, offence: "haine", author: "m"),
            rules: ModerationRules(knownOffences: ["haine"]), now: now)
        let sub = try s.addSubscriber(SubscriberRow(email: "s@x.fr", name: nil, language: nil))
        try s.startEdition(id: "e1", subject: "Lettre", date: "2027-01-01", sourceSHA256: "abc", now: now)

        func expectUnknown(
            _ column: String, _ value: String, _ read: () throws -> Void,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            let error = #expect(throws: UnknownStoredValueError.self, sourceLocation: sourceLocation) { try read() }
            #expect(error?.description.contains("\(column) holds \"\(value)\"") == true, sourceLocation: sourceLocation)
        }

        try forceValue(s, "UPDATE messages SET status = 'quarantined'")
        expectUnknown("messages.status", "quarantined") { _ = try s.reports() }
        expectUnknown("messages.status", "quarantined") { _ = try s.report(id: ids[0]) }
        expectUnknown("messages.status", "quarantined") { _ = try s.messageCounts() }
        try forceValue(s, "UPDATE messages SET status = 'parsed'")

        try forceValue(s, "UPDATE cluster_events SET from_status = 'draft'")
        expectUnknown("cluster_events.from_status", "draft") {
            _ = try s.cluster(id: cluster.id, includeReporters: false)
        }
        try forceValue(s, "UPDATE cluster_events SET from_status = 'new', to_status = 'draft'")
        expectUnknown("cluster_events.to_status", "draft") {
            _ = try s.cluster(id: cluster.id, includeReporters: false)
        }

        try forceValue(s, "UPDATE clusters SET status = 'draft'")
        expectUnknown("clusters.status", "draft") { _ = try s.clusters(now: self.now) }
        expectUnknown("clusters.status", "draft") {
            try s.moderate(
                clusterID: cluster.id, change: ModerationChange(to: .notified, author: "m"),
                rules: ModerationRules(knownOffences: []), now: self.now)
        }

        try forceValue(s, "UPDATE subscriber_events SET event = 'migrated'")
        expectUnknown("subscriber_events.event", "migrated") { _ = try s.subscriberEvents(id: sub.id) }

        try forceValue(s, "UPDATE subscribers SET status = 'paused'")
        expectUnknown("subscribers.status", "paused") { _ = try s.subscriber(id: sub.id) }
        expectUnknown("subscribers.status", "paused") { _ = try s.subscriberCounts() }
        expectUnknown("subscribers.status", "paused") { _ = try s.allSubscribers() }
        expectUnknown("subscribers.status", "paused") {
            _ = try s.importSubscribers([SubscriberRow(email: "s@x.fr", name: "S", language: nil)])
        }
        expectUnknown("subscribers.status", "paused") {
            try s.addSubscriber(SubscriberRow(email: "s@x.fr", name: nil, language: nil))
        }

        try forceValue(s, "UPDATE deliveries SET state = 'queued'")
        expectUnknown("deliveries.state", "queued") { _ = try s.editionStatus("e1") }
    }

    /// A subscriber's history comes back typed and prints as it is stored (`subscribers show`).
    @Test func subscriberHistoryIsTyped() throws {
        let t = try TempStore()
        let s = t.store
        _ = try s.importSubscribers([SubscriberRow(email: "i@x.fr", name: nil, language: nil)], now: now)
        let sub = try s.addSubscriber(SubscriberRow(email: "a@x.fr", name: nil, language: nil), now: now)
        try s.recordSoftBounce(id: sub.id, detail: "452 mailbox full", limit: 1, now: now)
        try s.addSubscriber(SubscriberRow(email: "a@x.fr", name: nil, language: nil), resubscribe: true, now: now)
        try s.setSubscriberStatus(id: sub.id, to: .unsubscribed, reason: "one-click", now: now)
        let events = try s.subscriberEvents(id: sub.id).map(\.event)
        #expect(events == [.added, .softBounce, .bounced, .resubscribed, .unsubscribed])
        #expect(events.map { "\($0)" } == ["added", "soft-bounce", "bounced", "resubscribed", "unsubscribed"])
        let imported = try #require(try s.subscriber(email: "i@x.fr"))
        #expect(try s.subscriberEvents(id: imported.id).map(\.event) == [.imported])
        #expect(try s.subscriber(id: sub.id)?.statusReason == "one-click")
    }

    @Test func undecodableStoredJSONFailsLoudly() throws {
        let t = try TempStore()
        let ids = try seedReports(t.store, [("a@b.fr", ["https://x.com/a/status/9"], now)])
        #expect(try t.store.report(id: ids[0])?.attachments.isEmpty == true)
        try t.store.pool.write { db in try db.execute(sql: "UPDATE reports SET attachments = '{not json'") }
        let error = #expect(throws: UndecodableStoredValueError.self) { try t.store.report(id: ids[0]) }
        #expect(error?.description.contains("reports.attachments of message \(ids[0])") == true)
    }
}
