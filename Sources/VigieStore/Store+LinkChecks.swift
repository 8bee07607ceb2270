import Foundation
import GRDB
import VigieCore

/// A cluster whose URLs the rechecks look at, with what its schedule needs.
public struct RecheckTarget: Sendable, Equatable {
    public var clusterID: Int64
    public var platform: Platform
    public var status: ModerationStatus
    /// The notice's time (qualification's while not notified): the schedule counts from it.
    public var anchor: Date
    public var lastChecked: Date?
    /// The URLs as citizens wrote them (distinct, at most `RecheckTarget.maxURLs`); the canonical URL when none.
    public var urls: [String]

    /// URLs checked per cluster at most.
    public static let maxURLs = 20
}

/// A notified cluster whose latest check found it still online.
public struct StillOnline: Sendable, Equatable {
    public var id: Int64
    public var platform: Platform
    public var canonicalURL: String
    public var notifiedAt: Date
    public var lastCheckedAt: Date
}

extension Store {
    /// The statuses the rechecks follow (closed ones, removed and rejected, are left alone).
    static let recheckedStatuses: [ModerationStatus] = [.qualified, .notified, .online]

    /// Clusters to check: these ids (any status), or every qualified, notified or still-online cluster.
    /// `due`: only those whose next slot of `schedule` has come at `now`, oldest slot first, at most `limit`.
    public func recheckTargets(
        ids: [Int64]? = nil, due: (schedule: RecheckSchedule, now: Date)? = nil, limit: Int? = nil
    ) throws -> [RecheckTarget] {
        try pool.read { db in
            var sql = """
                SELECT c.id, c.platform, c.status, c.canonical_url, c.updated_at,
                    CASE WHEN c.status = :qualified
                        THEN (SELECT max(e.at) FROM cluster_events e WHERE e.cluster_id = c.id AND e.to_status = :qualified)
                        ELSE c.notified_at END AS anchor,
                    (SELECT max(l.checked_at) FROM link_checks l WHERE l.cluster_id = c.id) AS last_checked
                FROM clusters c
                """
            var args: StatementArguments = ["qualified": ModerationStatus.qualified]
            if let ids {
                guard !ids.isEmpty else { return [] }
                sql += " WHERE c.id IN (" + ids.map { String($0) }.joined(separator: ",") + ")"
            } else {
                sql += " WHERE c.status IN (:s0, :s1, :s2)"
                args += [
                    "s0": Self.recheckedStatuses[0], "s1": Self.recheckedStatuses[1], "s2": Self.recheckedStatuses[2],
                ]
            }
            var targets: [(target: RecheckTarget, next: Date)] = []
            for r in try Row.fetchAll(db, sql: sql, arguments: args) {
                let anchor = (r["anchor"] as Double?) ?? (r["updated_at"] as Double?) ?? 0
                let target = RecheckTarget(
                    clusterID: r["id"], platform: try r.decodeStored(Platform.self, "platform", table: "clusters"),
                    status: try r.decodeStored(ModerationStatus.self, "status", table: "clusters"),
                    anchor: Date(timeIntervalSince1970: anchor),
                    lastChecked: (r["last_checked"] as Double?).map { Date(timeIntervalSince1970: $0) },
                    urls: [r["canonical_url"]])
                let next = due.map { $0.schedule.nextDue(anchor: target.anchor, lastChecked: target.lastChecked) }
                if let due, let next, next > due.now { continue }
                targets.append((target, next ?? .distantPast))
            }
            if due != nil { targets.sort { ($0.next, $0.target.clusterID) < ($1.next, $1.target.clusterID) } }
            if let limit, targets.count > limit { targets = Array(targets.prefix(limit)) }
            let originals = try originalURLs(db, clusterIDs: targets.map(\.target.clusterID))
            return targets.map { t in
                var target = t.target
                // What citizens wrote is what exists: a web content's canonical URL is https even for an http-only
                // site. The canonical URL stands in only for a cluster with no reported URL left.
                let written = originals[target.clusterID] ?? []
                if !written.isEmpty { target.urls = Array(written.prefix(RecheckTarget.maxURLs)) }
                return target
            }
        }
    }

    /// Keeps the checks of one cluster (one transaction).
    public func recordLinkChecks(clusterID: Int64, _ checks: [LinkCheck]) throws {
        guard !checks.isEmpty else { return }
        try pool.write { db in
            let st = try db.cachedStatement(
                sql: """
                    INSERT INTO link_checks (cluster_id, url, checked_at, http_status, final_url, verdict, detail, method)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for c in checks {
                try st.execute(arguments: [
                    clusterID, c.url, c.checkedAt.timeIntervalSince1970, c.httpStatus, c.finalURL, c.verdict,
                    c.detail, c.method,
                ])
            }
        }
    }

    /// Every check of a cluster, oldest first.
    public func linkChecks(clusterID: Int64) throws -> [LinkCheck] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT url, checked_at, http_status, final_url, verdict, detail, method FROM link_checks
                    WHERE cluster_id = ? ORDER BY checked_at, id
                    """, arguments: [clusterID]
            ).map { r in
                LinkCheck(
                    url: r["url"], checkedAt: Date(timeIntervalSince1970: r["checked_at"]),
                    httpStatus: r["http_status"], finalURL: r["final_url"],
                    verdict: try r.decodeStored(LinkVerdict.self, "verdict", table: "link_checks"),
                    detail: r["detail"],
                    method: try r.decodeStored(LinkCheckMethod.self, "method", table: "link_checks"))
            }
        }
    }

    /// Notified (or still-online) clusters notified before `notifiedBefore` whose latest check found a URL online,
    /// longest waiting first: at most `limit`, and how many there are.
    public func stillOnline(notifiedBefore: Date, limit: Int) throws -> (list: [StillOnline], total: Int) {
        try pool.read { db in
            let base = """
                FROM clusters c JOIN link_checks l ON l.cluster_id = c.id
                    AND l.checked_at = (SELECT max(x.checked_at) FROM link_checks x WHERE x.cluster_id = c.id)
                WHERE c.status IN (:notified, :online) AND c.notified_at <= :before AND l.verdict = :verdict
                """
            let args: StatementArguments = [
                "notified": ModerationStatus.notified, "online": ModerationStatus.online,
                "before": notifiedBefore.timeIntervalSince1970, "verdict": LinkVerdict.online,
            ]
            let total = try Int.fetchOne(db, sql: "SELECT count(DISTINCT c.id) " + base, arguments: args) ?? 0
            let list = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.platform, c.canonical_url, c.notified_at, max(l.checked_at) AS checked \(base)
                    GROUP BY c.id ORDER BY c.notified_at, c.id LIMIT :limit
                    """, arguments: args + ["limit": limit]
            ).map { r in
                StillOnline(
                    id: r["id"], platform: try r.decodeStored(Platform.self, "platform", table: "clusters"),
                    canonicalURL: r["canonical_url"], notifiedAt: Date(timeIntervalSince1970: r["notified_at"]),
                    lastCheckedAt: Date(timeIntervalSince1970: r["checked"]))
            }
            return (list, total)
        }
    }

    /// Clusters first notified in [since, until), with their first removal after the notice.
    public func noticeRecords(since: Date?, until: Date?) throws -> [NoticeRecord] {
        try pool.read { db in
            let sql = """
                WITH notices AS (
                    SELECT cluster_id, min(at) AS notified_at FROM cluster_events WHERE to_status = :notified
                    GROUP BY cluster_id)
                SELECT c.id, c.platform, c.offence, c.status, n.notified_at,
                    (SELECT min(e.at) FROM cluster_events e WHERE e.to_status = :removed AND e.cluster_id = c.id
                        AND e.at >= n.notified_at) AS removed_at
                FROM notices n JOIN clusters c ON c.id = n.cluster_id
                WHERE n.notified_at >= :since AND n.notified_at < :until
                ORDER BY c.id
                """
            let args: StatementArguments = [
                "notified": ModerationStatus.notified, "removed": ModerationStatus.removed,
                "since": since?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude,
                "until": until?.timeIntervalSince1970 ?? Double.greatestFiniteMagnitude,
            ]
            return try Row.fetchAll(db, sql: sql, arguments: args).map { r in
                NoticeRecord(
                    clusterID: r["id"], platform: try r.decodeStored(Platform.self, "platform", table: "clusters"),
                    offence: r["offence"],
                    status: try r.decodeStored(ModerationStatus.self, "status", table: "clusters"),
                    notifiedAt: Date(timeIntervalSince1970: r["notified_at"]),
                    removedAt: (r["removed_at"] as Double?).map { Date(timeIntervalSince1970: $0) })
            }
        }
    }
}
