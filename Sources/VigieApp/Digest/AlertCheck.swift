import Foundation
import Logging
import VigieCore
import VigieStore

/// Alerts the moderators, once per cluster, when a cluster reaches `alert_reporters` distinct reporters within
/// `alert_window_hours`; run after each intake batch is linked to its clusters.
public struct AlertCheck: Sendable {
    let service: DigestService

    /// Enqueues the alerts owed at `now`; returns the clusters alerted. The cluster's `cluster_alerts` row and its messages
    /// commit together, so a crash or a concurrent run never alerts twice.
    @discardableResult
    public func run(now: Date = Date()) throws -> [Int64] {
        let s = service.settings
        guard s.enabled, s.alertReporters > 0, !s.to.isEmpty else { return [] }
        let start = now.addingTimeInterval(-Double(s.alertWindowHours) * 3600)
        var alerted: [Int64] = []
        for c in try service.store.alertCandidates(
            threshold: s.alertReporters, windowStart: start, now: now,
            weights: service.builder.weights)
        {
            let record = try service.store.digestCluster(c.summary, since: start)
            let rendered = try service.mail.alert(
                service.builder.cluster(record, since: start),
                windowReporters: c.windowReporters)
            let id = c.summary.id
            let items = service.mail.items(
                rendered, kind: .alert, dedupePrefix: "alert:cluster:\(id)",
                subjectRef: "cluster:\(id)", to: s.to, now: now)
            if try service.store.recordAlert(clusterID: id, items: items, now: now) {
                service.logger.info(
                    "alert for cluster \(id) (\(c.windowReporters) reporters in \(s.alertWindowHours) h) enqueued for \(items.count) moderator(s)"
                )
                alerted.append(id)
            }
        }
        return alerted
    }
}
