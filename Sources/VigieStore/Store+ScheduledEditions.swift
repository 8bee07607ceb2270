import Foundation
import GRDB
import VigieCore

/// An edition started (by `newsletter send`, a schedule or `serve`) and not complete, with its file's text if kept.
public struct UnfinishedEdition: Sendable, Equatable {
    public var id: String
    /// Nil for an edition started before the text was kept: only `newsletter send FILE` can resume it.
    public var source: String?
    public var sourceSHA256: String
}

/// Refusal to schedule or unschedule an edition.
public struct ScheduleError: Error, CustomStringConvertible {
    public var description: String
}

extension Store {
    /// Queues an edition for `serve`; refuses an edition already scheduled or already started.
    @discardableResult
    public func scheduleEdition(
        editionID: String, queue: String?, source: String, sourceSHA256: String, sendAt: Date,
        now: Date = Date()
    ) throws -> Int64 {
        try pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM editions WHERE id = ?", arguments: [editionID]) ?? false {
                throw ScheduleError(
                    description: "edition \(editionID) was already sent or started (vigie newsletter "
                        + "status \(editionID)); give the new edition another id")
            }
            if let existing = try Int64.fetchOne(
                db, sql: "SELECT id FROM scheduled_editions WHERE edition_id = ?",
                arguments: [editionID])
            {
                throw ScheduleError(
                    description: "edition \(editionID) is already scheduled (#\(existing)); "
                        + "vigie newsletter unschedule \(existing) first to change it")
            }
            try db.execute(
                sql: """
                    INSERT INTO scheduled_editions (edition_id, queue, source, source_sha256, send_at, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    editionID, queue, source, sourceSHA256, sendAt.timeIntervalSince1970,
                    now.timeIntervalSince1970,
                ])
            return db.lastInsertedRowID
        }
    }

    /// Every scheduled edition, the next first (sent ones last).
    public func scheduledEditions() throws -> [ScheduledEdition] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM scheduled_editions ORDER BY state = ?, send_at, id
                    """, arguments: [ScheduledEditionState.sent]
            ).map(Self.scheduledEdition)
        }
    }

    /// The editions whose time has come and whose sending has not started, the earliest first.
    public func dueScheduledEditions(now: Date = Date()) throws -> [ScheduledEdition] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM scheduled_editions WHERE state = ? AND send_at <= ? ORDER BY send_at, id
                    """, arguments: [ScheduledEditionState.scheduled, now.timeIntervalSince1970]
            ).map(Self.scheduledEdition)
        }
    }

    /// Removes a scheduled edition whose sending has not started; returns its edition id.
    public func unscheduleEdition(id: Int64) throws -> String {
        try pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM scheduled_editions WHERE id = ?", arguments: [id])
            else {
                throw ScheduleError(description: "no scheduled edition #\(id) (vigie newsletter scheduled lists them)")
            }
            let s = try Self.scheduledEdition(row)
            guard s.state == .scheduled else {
                let where_ = s.state == .sent ? "already sent" : "being sent"
                throw ScheduleError(
                    description: "edition \(s.editionID) (#\(id)) is \(where_); it can no longer be "
                        + "unscheduled")
            }
            try db.execute(
                sql: "DELETE FROM scheduled_editions WHERE id = ? AND state = ?",
                arguments: [id, ScheduledEditionState.scheduled])
            return s.editionID
        }
    }

    /// Marks a scheduled edition's sending as started (no unschedule from now on); false if it was removed meanwhile.
    public func markScheduledEditionSending(id: Int64, now: Date = Date()) throws -> Bool {
        try pool.write { db in
            try db.execute(
                sql: """
                    UPDATE scheduled_editions SET state = ?, started_at = ? WHERE id = ? AND state = ?
                    """,
                arguments: [
                    ScheduledEditionState.sending, now.timeIntervalSince1970, id,
                    ScheduledEditionState.scheduled,
                ])
            return db.changesCount == 1
        }
    }

    /// Marks the scheduled entry of a completed edition sent.
    public func markScheduledEditionSent(editionID: String, now: Date = Date()) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    UPDATE scheduled_editions SET state = ?, sent_at = ? WHERE edition_id = ? AND state = ?
                    """,
                arguments: [
                    ScheduledEditionState.sent, now.timeIntervalSince1970, editionID,
                    ScheduledEditionState.sending,
                ])
        }
    }

    /// Editions started and not complete, the oldest first.
    public func unfinishedEditions() throws -> [UnfinishedEdition] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, source, source_sha256 FROM editions WHERE completed_at IS NULL ORDER BY created_at, id
                    """
            ).map { UnfinishedEdition(id: $0["id"], source: $0["source"], sourceSHA256: $0["source_sha256"]) }
        }
    }

    static func scheduledEdition(_ row: Row) throws -> ScheduledEdition {
        ScheduledEdition(
            id: row["id"], editionID: row["edition_id"], queue: row["queue"], source: row["source"],
            sourceSHA256: row["source_sha256"], sendAt: Date(timeIntervalSince1970: row["send_at"]),
            state: try row.decodeStored(ScheduledEditionState.self, "state", table: "scheduled_editions"),
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            startedAt: (row["started_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            sentAt: (row["sent_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
