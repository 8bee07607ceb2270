import Foundation
import GRDB
import VigieCore

/// The moderators' console: accounts, sessions, throttling, the console's audit and the queue's pages.
extension Store {
    /// Creates an account; false when the name is taken (names compare without case).
    public func addUser(name: String, role: ConsoleRole, passwordHash: String, now: Date = Date()) throws -> Bool {
        try pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [name]) == true {
                return false
            }
            let t = now.timeIntervalSince1970
            try db.execute(
                sql: """
                    INSERT INTO users (name, role, password_hash, created_at, password_changed_at)
                    VALUES (?, ?, ?, ?, ?)
                    """, arguments: [name, role, passwordHash, t, t])
            return true
        }
    }

    /// Every account, by name.
    public func consoleUsers() throws -> [ConsoleUser] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name COLLATE NOCASE").map(Self.consoleUser)
        }
    }

    /// One account with its password hash, for checking a login.
    public func consoleUser(name: String) throws -> (user: ConsoleUser, passwordHash: String)? {
        try pool.read { db in
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]) else {
                return nil
            }
            return (try Self.consoleUser(r), r["password_hash"])
        }
    }

    /// Disables (or enables) an account; disabling ends its sessions at once. False when there is no such account.
    public func setUserDisabled(name: String, disabled: Bool) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "UPDATE users SET disabled = ? WHERE name = ?", arguments: [disabled, name])
            guard db.changesCount > 0 else { return false }
            if disabled {
                try db.execute(
                    sql: "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?)", arguments: [name]
                )
            }
            return true
        }
    }

    /// Replaces an account's password hash and ends its sessions. False when there is no such account.
    public func setUserPassword(name: String, passwordHash: String, now: Date = Date()) throws -> Bool {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE name = ?",
                arguments: [passwordHash, now.timeIntervalSince1970, name])
            guard db.changesCount > 0 else { return false }
            try db.execute(
                sql: "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?)", arguments: [name])
            return true
        }
    }

    /// Opens a session after a good password: the session row, the account's failures forgotten, the login time.
    public func openSession(userID: Int64, tokenHash: String, csrf: String, now: Date = Date()) throws {
        let t = now.timeIntervalSince1970
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen) VALUES (?, ?, ?, ?, ?)",
                arguments: [tokenHash, userID, csrf, t, t])
            try db.execute(sql: "UPDATE users SET last_login_at = ? WHERE id = ?", arguments: [t, userID])
            try db.execute(
                sql: "DELETE FROM login_failures WHERE account = (SELECT name FROM users WHERE id = ?)",
                arguments: [userID])
        }
    }

    /// The live session of this token: its account (enabled) and CSRF token; nil when unknown, idle since before
    /// `idleSince`, or its account disabled. Its last use is moved forward (at most once a minute, to spare writes).
    public func session(
        tokenHash: String, idleSince: Date, now: Date = Date()
    ) throws
        -> (user: ConsoleUser, csrf: String)?
    {
        let found = try pool.read { db -> (ConsoleUser, String, Double)? in
            guard
                let r = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT u.*, s.csrf, s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id
                        WHERE s.token_hash = ? AND u.disabled = 0 AND s.last_seen >= ?
                        """, arguments: [tokenHash, idleSince.timeIntervalSince1970])
            else { return nil }
            return (try Self.consoleUser(r), r["csrf"], r["last_seen"])
        }
        guard let (user, csrf, lastSeen) = found else { return nil }
        if now.timeIntervalSince1970 - lastSeen >= 60 {
            try pool.write { db in
                try db.execute(
                    sql: "UPDATE sessions SET last_seen = ? WHERE token_hash = ?",
                    arguments: [now.timeIntervalSince1970, tokenHash])
            }
        }
        return (user, csrf)
    }

    /// Ends one session (logout); sessions idle since before `idleSince` go with it.
    public func endSession(tokenHash: String, idleSince: Date) throws {
        try pool.write { db in
            try db.execute(
                sql: "DELETE FROM sessions WHERE token_hash = ? OR last_seen < ?",
                arguments: [tokenHash, idleSince.timeIntervalSince1970])
        }
    }

    /// Records a failed login (unknown account or wrong password alike); failures older than `forgetBefore` go.
    public func recordLoginFailure(account: String, client: String, now: Date = Date(), forgetBefore: Date) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO login_failures (account, client, at) VALUES (?, ?, ?)",
                arguments: [account, client, now.timeIntervalSince1970])
            try db.execute(
                sql: "DELETE FROM login_failures WHERE at < ?", arguments: [forgetBefore.timeIntervalSince1970])
        }
    }

    /// Failed logins since `since` for this account name and for this client address.
    public func loginFailures(account: String, client: String, since: Date) throws -> (account: Int, client: Int) {
        try pool.read { db in
            let t = since.timeIntervalSince1970
            let a =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM login_failures WHERE account = ? AND at >= ?",
                    arguments: [account, t]) ?? 0
            let c =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM login_failures WHERE client = ? AND at >= ?",
                    arguments: [client, t]) ?? 0
            return (a, c)
        }
    }

    /// Records what a moderator did on a cluster besides changing its status.
    public func recordConsoleAudit(
        clusterID: Int64?, author: String, action: String, detail: String?, now: Date = Date()
    ) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO console_audit (cluster_id, at, author, action, detail) VALUES (?, ?, ?, ?, ?)",
                arguments: [clusterID, now.timeIntervalSince1970, author, action, detail])
        }
    }

    /// The attachments (names, types, sizes) of these reports, as intake recorded them.
    public func attachmentsOfReports(_ ids: [Int64]) throws -> [Int64: [AttachmentInfo]] {
        try pool.read { db in
            var out: [Int64: [AttachmentInfo]] = [:]
            let decoder = JSONDecoder()
            for chunk in ids.chunked(500) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for r in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT message_id, attachments FROM reports WHERE message_id IN (\(marks))
                        AND attachments != '[]'
                        """, arguments: StatementArguments(chunk))
                {
                    let id: Int64 = r["message_id"]
                    let text: String = r["attachments"]
                    do {
                        out[id] = try decoder.decode([AttachmentInfo].self, from: Data(text.utf8))
                    } catch {
                        throw UndecodableStoredValueError(
                            column: "reports.attachments", row: "message \(id)", error: error)
                    }
                }
            }
            return out
        }
    }

    /// The clusters a report's URLs belong to.
    public func clustersOfReport(_ reportID: Int64) throws -> [Int64] {
        try pool.read { db in
            try Int64.fetchAll(
                db, sql: "SELECT DISTINCT cluster_id FROM report_urls WHERE report_id = ? AND cluster_id IS NOT NULL",
                arguments: [reportID])
        }
    }

    /// The console's audit entries of one cluster, oldest first.
    public func consoleAudit(clusterID: Int64) throws -> [ConsoleAuditEntry] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM console_audit WHERE cluster_id = ? ORDER BY id", arguments: [clusterID]
            ).map { r in
                ConsoleAuditEntry(
                    at: Date(timeIntervalSince1970: r["at"]), author: r["author"], action: r["action"],
                    detail: r["detail"])
            }
        }
    }

    /// One page of the queue, highest priority first, with the number of clusters the filters keep.
    public func consoleClusters(
        _ q: ClusterQuery, weights: PriorityWeights = PriorityWeights(), now: Date = Date()
    ) throws -> (rows: [ClusterSummary], total: Int) {
        try pool.read { db in
            var filter = RankingFilter()
            if let s = q.status { filter.add("c.status = ?", s) }
            if let p = q.platform { filter.add("c.platform = ?", p) }
            if let o = q.offence { filter.add("c.offence = ?", o) }
            if let s = q.since { filter.add("c.last_reported >= ?", s.timeIntervalSince1970) }
            if let u = q.until { filter.add("c.first_reported < ?", u.timeIntervalSince1970) }
            if let text = q.search, !text.isEmpty { Self.searchCondition(text, into: &filter) }
            let total =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM clusters c WHERE \(filter.sql)", arguments: filter.arguments) ?? 0
            // The first pages through the ranking's threshold walk (exact; see `rankedClusterIDs`). A search
            // already bounds the candidates: none scored ahead of the walk, each of those queries would search again.
            let searching = !(q.search?.isEmpty ?? true)
            if q.offset + q.limit <= Self.walkedPages,
                let ids = try rankedClusterIDs(
                    db, filter, first: q.offset + q.limit, weights: weights, now: now,
                    earlyScored: searching ? 0 : Store.earlyScored)
            {
                return (try rankedSummaries(db, ids: Array(ids.dropFirst(q.offset)), weights: weights, now: now), total)
            }
            // Deeper pages (or weights the walk cannot bound): the same score as PriorityWeights.score, in SQL, over
            // every cluster the filters keep, so only one page is decoded.
            db.add(function: Self.decay)
            let t = now.timeIntervalSince1970
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.*, coalesce(r.n, 0) AS recent FROM clusters c
                    LEFT JOIN (SELECT cluster_id, count(*) AS n FROM cluster_reporters WHERE last_at >= ?
                               GROUP BY +cluster_id) r ON r.cluster_id = c.id
                    WHERE \(filter.sql)
                    ORDER BY c.reporters * ? + coalesce(r.n, 0) * ? + vigie_decay(?, c.last_reported, ?) * ? DESC,
                             c.reporters DESC, c.last_reported DESC, c.id ASC
                    LIMIT ? OFFSET ?
                    """,
                arguments: [t - 86_400] + filter.arguments
                    + [
                        weights.reporters, weights.velocity, t, weights.recencyHalfLifeHours, weights.recency,
                        q.limit, q.offset,
                    ])
            var list = try rows.map { try summary($0, weights: weights, now: now) }
            let urls = try originalURLs(db, clusterIDs: list.map(\.id))
            for i in list.indices { list[i].urls = urls[list[i].id] ?? [] }
            return (list, total)
        }
    }

    /// The search of the queue: a piece (3 characters or more) of a cluster's canonical URL, key or account through
    /// the trigram index `cluster_search`, or a reported URL exactly as written (`report_urls_url`); shorter pieces
    /// are looked for in the clusters' own columns.
    static func searchCondition(_ text: String, into filter: inout RankingFilter) {
        if text.count >= 3 {
            filter.add(
                """
                (c.id IN (SELECT rowid FROM cluster_search WHERE cluster_search MATCH ?)
                 OR c.id IN (SELECT cluster_id FROM report_urls WHERE url = ?))
                """, "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"", text)
            return
        }
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        let like = "%\(escaped)%"
        filter.add(
            """
            (c.canonical_url LIKE ? ESCAPE '\\' OR c.key LIKE ? ESCAPE '\\'
             OR coalesce(c.account_key, '') LIKE ? ESCAPE '\\')
            """, like, like, like)
    }

    /// How deep (offset + limit) the queue's pages are ranked by the threshold walk; deeper pages by one scan.
    static let walkedPages = 2_000

    /// 2^(−hours since `last` / half-life), as `PriorityWeights.score` computes it (0 without a date).
    static let decay = DatabaseFunction("vigie_decay", argumentCount: 3, pure: true) { values in
        guard let now = Double.fromDatabaseValue(values[0]), let last = Double.fromDatabaseValue(values[1]),
            let halfLife = Double.fromDatabaseValue(values[2]), halfLife > 0
        else { return 0.0 }
        return pow(2, -max(0, (now - last) / 3600) / halfLife)
    }

    /// The other reported contents of an account (most recently reported first).
    public func accountPosts(
        accountKey: String, weights: PriorityWeights = PriorityWeights(), now: Date = Date(), limit: Int = 50
    ) throws -> [ClusterSummary] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.*, 0 AS recent FROM clusters c WHERE (c.account_key = ? OR c.key = ?) AND c.reports > 0
                    ORDER BY c.last_reported DESC LIMIT ?
                    """, arguments: [accountKey, accountKey, limit]
            ).map { try summary($0, weights: weights, now: now) }
        }
    }

    /// Newsletter editions, newest first, with their deliveries counted by state.
    public func editionSummaries(limit: Int = 100) throws -> [EditionSummary] {
        let rows = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM editions ORDER BY created_at DESC LIMIT ?", arguments: [limit])
        }
        return try rows.compactMap { r in
            let id: String = r["id"]
            guard let status = try editionStatus(id) else { return nil }
            return EditionSummary(
                id: id, subject: r["subject"], createdAt: Date(timeIntervalSince1970: r["created_at"]),
                completedAt: (r["completed_at"] as Double?).map { Date(timeIntervalSince1970: $0) }, status: status)
        }
    }

    private static func consoleUser(_ r: Row) throws -> ConsoleUser {
        ConsoleUser(
            id: r["id"], name: r["name"], role: try r.decodeStored(ConsoleRole.self, "role", table: "users"),
            disabled: r["disabled"], createdAt: Date(timeIntervalSince1970: r["created_at"]),
            lastLoginAt: (r["last_login_at"] as Double?).map { Date(timeIntervalSince1970: $0) })
    }
}
