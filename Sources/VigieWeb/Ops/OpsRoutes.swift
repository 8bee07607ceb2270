import Foundation
import HTTPTypes
import Hummingbird
import Logging
import VigieApp
import VigieCore

/// Operations: `/healthz` (JSON, 503 when the database does not answer or an intake queue has failed for more
/// than 10 minutes) and `/metrics` (Prometheus text, loopback, trusted proxies and `[http] metrics_allow` only).
/// Also counts every request by route and status.
public struct OpsRoutes: WebRoutes {
    let metrics: VigieMetrics

    public init(metrics: VigieMetrics = .shared) {
        self.metrics = metrics
    }

    public func register(on router: Router<VigieRequestContext>, environment env: WebEnvironment) throws {
        let metrics = self.metrics
        let operations = try env.context.operations()
        router.middlewares.add(RequestMetrics(metrics: metrics))
        let allowed = env.trustedProxies + env.context.config.metricsAllow

        router.get("/healthz") { _, _ -> Response in
            let h = operations.health()
            return Self.json(Self.healthJSON(h), status: h.healthy ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { request, context -> Response in
            // The TCP peer, and never a proxied request (X-Forwarded-For present): it is a visitor's, whoever
            // forwards it, even when the proxy runs on this machine and is not listed in trusted_proxies.
            guard let peer = context.peer, peer.isLoopback || allowed.contains(where: { $0.contains(peer) }),
                request.headers[.xForwardedFor] == nil
            else { throw HTTPError(.forbidden) }
            let up = operations.health().database
            let snapshot = (try? operations.snapshot()) ?? OpsSnapshot()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(
                status: .ok, headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.render(snapshot: snapshot, databaseUp: up))))
        }
    }

    /// The health report as JSON: no error texts (they may name servers), only states and times.
    static func healthJSON(_ h: OperationsService.Health) -> [String: Any] {
        let iso = ISO8601DateFormatter()
        func time(_ d: Date?) -> Any { d.map { iso.string(from: $0) } ?? NSNull() }
        return [
            "status": h.healthy ? "ok" : "unhealthy",
            "database": h.database ? "ok" : "unreachable",
            "intake": h.intake.map { q -> [String: Any] in
                [
                    "queue": q.queue, "last_success": time(q.lastSuccess), "failing_since": time(q.failingSince),
                    "state": h.failingQueues.contains(q.queue) ? "failing" : q.failingSince == nil ? "ok" : "retrying",
                ]
            },
            "last_digest": time(h.lastDigest),
            "outbox_backlog": h.outboxBacklog,
        ]
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
