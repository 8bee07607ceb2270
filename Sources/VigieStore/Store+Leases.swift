import Foundation
import GRDB

/// Who holds a job's lease, and until when.
public struct LeaseHolder: Sendable, Equatable {
    public var job: String
    public var token: String
    public var pid: Int32
    public var host: String
    public var since: Date
    public var expiresAt: Date

    public init(job: String, token: String, pid: Int32, host: String, since: Date, expiresAt: Date) {
        self.job = job
        self.token = token
        self.pid = pid
        self.host = host
        self.since = since
        self.expiresAt = expiresAt
    }
}

/// The outcome of an attempt to take a lease.
public enum LeaseAcquisition: Sendable, Equatable {
    /// Taken: the job was free, or its lease had expired (`previous` then names the last holder).
    case acquired(previous: LeaseHolder?)
    /// Taken from a holder `isGone` declared dead (same host, process gone) before its expiry.
    case tookOver(from: LeaseHolder)
    /// Someone else holds it.
    case held(by: LeaseHolder)
}

extension Store {
    /// Takes the lease of `job` for `token` unless a live holder has it; an expired lease, or one whose holder
    /// `isGone` says is dead, is taken over. Read and write happen in one IMMEDIATE transaction (GRDB's pool writes are
    /// IMMEDIATE), so two processes can never both see the job free.
    public func acquireLease(
        job: String, token: String, pid: Int32, host: String, ttl: TimeInterval,
        now: Date = Date(), isGone: (LeaseHolder) -> Bool = { _ in false }
    ) throws
        -> LeaseAcquisition
    {
        try pool.write { db in
            let t = now.timeIntervalSince1970
            let current = try Self.leaseHolder(db, job: job)
            var outcome = LeaseAcquisition.acquired(previous: nil)
            if let current, current.token != token {
                if current.expiresAt.timeIntervalSince1970 > t {
                    guard isGone(current) else { return .held(by: current) }
                    outcome = .tookOver(from: current)
                } else {
                    outcome = .acquired(previous: current)
                }
            }
            let since = current?.token == token ? current!.since.timeIntervalSince1970 : t
            try db.execute(
                sql: """
                    INSERT INTO leases (job, token, pid, host, since, expires_at, renewed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(job) DO UPDATE SET token = excluded.token, pid = excluded.pid, host = excluded.host,
                        since = excluded.since, expires_at = excluded.expires_at, renewed_at = excluded.renewed_at
                    """, arguments: [job, token, pid, host, since, t + ttl, t])
            return outcome
        }
    }

    /// Extends the lease by `ttl` if `token` still holds it (even past its expiry, as long as nobody took it over);
    /// false when it was lost.
    public func renewLease(job: String, token: String, ttl: TimeInterval, now: Date = Date()) throws -> Bool {
        try pool.write { db in
            let t = now.timeIntervalSince1970
            try db.execute(
                sql: "UPDATE leases SET expires_at = ?, renewed_at = ? WHERE job = ? AND token = ?",
                arguments: [t + ttl, t, job, token])
            return db.changesCount == 1
        }
    }

    /// Gives the lease up if `token` holds it; false when somebody else holds it (or nobody).
    @discardableResult
    public func releaseLease(job: String, token: String) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM leases WHERE job = ? AND token = ?", arguments: [job, token])
            return db.changesCount == 1
        }
    }

    /// Whether `token` holds the lease of `job` now (the check before an external side effect).
    public func holdsLease(job: String, token: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM leases WHERE job = ? AND token = ?", arguments: [job, token])
                ?? false
        }
    }

    /// The current holder of `job`'s lease, if any (expired or not).
    public func leaseHolder(job: String) throws -> LeaseHolder? {
        try pool.read { db in try Self.leaseHolder(db, job: job) }
    }

    static func leaseHolder(_ db: Database, job: String) throws -> LeaseHolder? {
        try Row.fetchOne(
            db, sql: "SELECT token, pid, host, since, expires_at FROM leases WHERE job = ?",
            arguments: [job]
        ).map { r in
            LeaseHolder(
                job: job, token: r["token"], pid: r["pid"], host: r["host"],
                since: Date(timeIntervalSince1970: r["since"]),
                expiresAt: Date(timeIntervalSince1970: r["expires_at"]))
        }
    }

    /// Whether `token` holds `job`'s lease, inside a transaction that is about to act on its behalf.
    static func holdsLease(_ db: Database, job: String, token: String) throws -> Bool {
        // Cached: the senders check it once per message.
        let statement = try db.cachedStatement(sql: "SELECT 1 FROM leases WHERE job = ? AND token = ?")
        return try Bool.fetchOne(statement, arguments: [job, token]) ?? false
    }
}
