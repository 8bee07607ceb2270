import Foundation
import GRDB
import VigieCore

extension Store {
    /// Records one intake pass of `queue`: a success clears its failing streak, a failure starts one (or keeps it).
    public func recordIntakePass(queue: String, error: String?, now: Date = Date()) throws {
        let t = now.timeIntervalSince1970
        try pool.write { db in
            if let error {
                try db.execute(
                    sql: """
                        INSERT INTO intake_health (queue, last_failure_at, failing_since, last_error, polls, errors)
                        VALUES (?, ?, ?, ?, 1, 1)
                        ON CONFLICT (queue) DO UPDATE SET last_failure_at = excluded.last_failure_at,
                            failing_since = coalesce(failing_since, excluded.failing_since),
                            last_error = excluded.last_error, polls = polls + 1, errors = errors + 1
                        """, arguments: [queue, t, t, String(error.prefix(500))])
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO intake_health (queue, last_success_at, polls) VALUES (?, ?, 1)
                        ON CONFLICT (queue) DO UPDATE SET last_success_at = excluded.last_success_at,
                            failing_since = NULL, polls = polls + 1
                        """, arguments: [queue, t])
            }
        }
    }

    /// Every intake queue's health, by name.
    public func intakeHealth() throws -> [IntakeHealth] {
        try pool.read { db in try Self.intakeHealth(db) }
    }

    static func intakeHealth(_ db: Database) throws -> [IntakeHealth] {
        func date(_ v: Double?) -> Date? { v.map { Date(timeIntervalSince1970: $0) } }
        return try Row.fetchAll(db, sql: "SELECT * FROM intake_health ORDER BY queue").map { r in
            IntakeHealth(
                queue: r["queue"], lastSuccess: date(r["last_success_at"]), lastFailure: date(r["last_failure_at"]),
                failingSince: date(r["failing_since"]), lastError: r["last_error"], polls: r["polls"],
                errors: r["errors"])
        }
    }

    /// The counts `/metrics` exposes, read in one transaction.
    public func opsSnapshot() throws -> OpsSnapshot {
        try pool.read { db in
            var s = OpsSnapshot()
            func counts(_ sql: String, _ arguments: StatementArguments = []) throws -> [String: Int] {
                var out: [String: Int] = [:]
                for r in try Row.fetchAll(db, sql: sql, arguments: arguments) { out[r[0] ?? "none"] = r[1] }
                return out
            }
            s.reportsByStatus = try counts(
                "SELECT status, count(*) FROM messages WHERE role = ? GROUP BY status", [IntakeRole.reports])
            s.clustersByStatus = try counts("SELECT status, count(*) FROM clusters GROUP BY status")
            for r in try Row.fetchAll(
                db, sql: "SELECT edition_id, state, count(*) AS n FROM deliveries GROUP BY edition_id, state")
            {
                s.deliveries[r["edition_id"], default: [:]][r["state"]] = r["n"]
            }
            s.outboxBacklog = try counts(
                "SELECT queue, count(*) FROM outbox WHERE state IN (?, ?, ?) GROUP BY queue",
                [OutboxState.pending, OutboxState.deferred, OutboxState.sending])
            for (k, v) in try counts(
                """
                SELECT substr(last_reply, 1, 1), count(*) FROM deliveries
                WHERE last_reply GLOB '[245][0-9][0-9]*' GROUP BY 1
                """)
            {
                s.smtpReplies[k, default: 0] += v
            }
            for (k, v) in try counts(
                "SELECT substr(CAST(last_code AS TEXT), 1, 1), count(*) FROM outbox WHERE last_code >= 200 GROUP BY 1")
            {
                s.smtpReplies[k, default: 0] += v
            }
            s.unsubscribes = try counts(
                "SELECT channel, count(*) FROM consent_events WHERE action = ? GROUP BY channel",
                [ConsentAction.unsubscribed])
            s.subscribersByStatus = try counts("SELECT status, count(*) FROM subscribers GROUP BY status")
            s.intake = try Self.intakeHealth(db)
            s.lastDigest = try Double.fetchOne(
                db, sql: "SELECT max(at) FROM schedule_runs WHERE job = ?", arguments: [ScheduledJob.digest]
            ).map { Date(timeIntervalSince1970: $0) }
            return s
        }
    }

    /// True when the database answers a trivial query.
    public func ping() -> Bool {
        (try? pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }
}
