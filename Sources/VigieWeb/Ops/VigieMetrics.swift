import CoreMetrics
import Foundation
import Prometheus
import VigieApp
import VigieCore

/// The metrics of `/metrics`: counters kept in this process through swift-metrics (HTTP requests, unsubscribes
/// answered here), and gauges read from the database at each scrape (what every process wrote), all rendered by
/// swift-prometheus in the Prometheus text format.
public final class VigieMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    /// The process's metrics: `serve` runs one HTTP server.
    public static let shared = VigieMetrics()

    public init() {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Counts one answered request by route pattern (not the path: tokens stay out of the labels) and status.
    func request(route: String, status: Int) {
        Counter(
            label: "vigie_http_requests_total", dimensions: [("route", route), ("status", String(status))],
            factory: factory
        ).increment()
    }

    /// Counts one unsubscribe answered by this process.
    func unsubscribed(channel: ConsentChannel) {
        Counter(label: "vigie_http_unsubscribes_total", dimensions: [("channel", channel.rawValue)], factory: factory)
            .increment()
    }

    private func gauge(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        Gauge(label: name, dimensions: labels, factory: factory).record(value)
    }

    /// Sets the gauges from `snapshot` (every known state, zero included, so a state that empties reads 0) and
    /// renders everything.
    func render(snapshot s: OpsSnapshot, databaseUp: Bool, now: Date = Date()) -> [UInt8] {
        gauge("vigie_database_up", [], databaseUp ? 1 : 0)
        for status in MessageStatus.allCases {
            gauge("vigie_reports", [("status", status.rawValue)], Double(s.reportsByStatus[status.rawValue] ?? 0))
        }
        for status in ModerationStatus.allCases {
            gauge("vigie_clusters", [("status", status.rawValue)], Double(s.clustersByStatus[status.rawValue] ?? 0))
        }
        for status in SubscriberStatus.allCases {
            gauge(
                "vigie_subscribers", [("status", status.rawValue)],
                Double(s.subscribersByStatus[status.rawValue] ?? 0))
        }
        for (edition, states) in s.deliveries {
            for state in DeliveryStatus.allCases {
                gauge(
                    "vigie_deliveries", [("edition", edition), ("state", state.rawValue)],
                    Double(states[state.rawValue] ?? 0))
            }
        }
        for (queue, n) in s.outboxBacklog { gauge("vigie_outbox_backlog", [("queue", queue)], Double(n)) }
        gauge("vigie_outbox_backlog_total", [], Double(s.outboxBacklog.values.reduce(0, +)))
        for c in ["2", "4", "5"] {
            gauge("vigie_smtp_replies", [("class", c + "xx")], Double(s.smtpReplies[c] ?? 0))
        }
        for channel in ConsentChannel.allCases {
            gauge("vigie_unsubscribes", [("channel", channel.rawValue)], Double(s.unsubscribes[channel.rawValue] ?? 0))
        }
        for h in s.intake {
            let q = [("queue", h.queue)]
            gauge("vigie_intake_polls", q, Double(h.polls))
            gauge("vigie_intake_errors", q, Double(h.errors))
            gauge("vigie_intake_last_success_timestamp_seconds", q, h.lastSuccess?.timeIntervalSince1970 ?? 0)
            gauge("vigie_intake_failing_seconds", q, h.failingSince.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        }
        if let d = s.lastDigest { gauge("vigie_digest_last_timestamp_seconds", [], d.timeIntervalSince1970) }
        return registry.emitToBuffer()
    }
}
