import Foundation
import HTTPTypes
import Hummingbird
import Logging
import VigieApp
import VigieCore

/// The subscribers' routes: the RFC 8058 one-click unsubscribe (`/u/TOKEN`) and the double opt-in (`/subscribe`,
/// `/confirm/TOKEN`). Thin: parse, call `SubscriptionService`, render.
public struct SubscriberRoutes: WebRoutes {
    /// `/subscribe` POSTs per client address: 10 at once, then one every 30 s.
    let limiter = ClientRateLimiter(ratePerSecond: 1.0 / 30, burst: 10)
    let metrics: VigieMetrics

    public init(metrics: VigieMetrics = .shared) {
        self.metrics = metrics
    }

    public var pageNames: [String] {
        ["unsubscribe", "unsubscribed", "subscribe", "subscribe-sent", "confirm", "confirmed"]
    }

    public func register(on router: Router<VigieRequestContext>, environment env: WebEnvironment) throws {
        guard env.context.hasEnabledNewsletter else {
            // No newsletter: nothing to subscribe to, so these routes answer 404.
            env.logger.warning("http: no enabled newsletter queue: /u/, /subscribe and /confirm answer 404")
            return
        }
        // A newsletter without its secret or its confirmation templates stops serve at start, in one line.
        let service = try env.context.subscriptions()
        if !service.acceptsSubscriptions {
            env.logger.warning(
                "http: /subscribe answers 503: set [http] public_url and add an acknowledgements outbox queue (it sends the confirmation mails)"
            )
        }
        let pages = env.pages
        let logger = env.logger
        let limiter = self.limiter
        let metrics = self.metrics

        // A GET never unsubscribes: link scanners and security gateways prefetch every link.
        router.get("/u/:token") { _, context -> Response in
            let token = try context.parameters.require("token")
            guard let s = try service.subscriber(unsubscribeToken: token) else { throw HTTPError(.notFound) }
            return pages.render(
                "unsubscribe", title: "Se désabonner",
                values: ["masked": Self.masked(s.email), "action": "/u/" + token])
        }
        // RFC 8058: `List-Unsubscribe=One-Click` in either encoding; idempotent, no cookie, no confirmation step.
        router.post("/u/:token") { request, context -> Response in
            let token = try context.parameters.require("token")
            let form = try await Self.form(request, context: context)
            guard form["List-Unsubscribe"] == "One-Click" else { throw HTTPError(.badRequest) }
            let channel: ConsentChannel = form["via"] == "page" ? .page : .oneClick
            guard let s = try service.unsubscribe(token: token, channel: channel) else {
                throw HTTPError(.notFound)
            }
            metrics.unsubscribed(channel: channel)
            return pages.render(
                "unsubscribed", title: "Désabonnement confirmé",
                values: ["masked": Self.masked(s.email), "subscribe": "/subscribe"])
        }
        router.get("/subscribe") { _, _ -> Response in
            guard service.acceptsSubscriptions else { return pages.error(.serviceUnavailable) }
            return pages.render("subscribe", title: "S’abonner à la lettre", values: ["action": "/subscribe"])
        }
        // The same page whatever the address's state (no enumeration); abuse limits before anything is written.
        router.post("/subscribe") { request, context -> Response in
            guard service.acceptsSubscriptions else { return pages.error(.serviceUnavailable) }
            let client = env.client(of: request, context: context).map { "\($0)" } ?? "unknown"
            guard limiter.allow(client) else {
                logger.info("http: /subscribe: client over its rate limit; answered 429")
                return pages.error(.tooManyRequests)
            }
            let form = try await Self.form(request, context: context)
            let sent = pages.render("subscribe-sent", title: "Vérifiez votre messagerie")
            if let trap = form["website"], !trap.isEmpty {
                logger.info("http: /subscribe: honeypot field filled; nothing done")
                return sent
            }
            let outcome = try service.request(
                address: form["email"] ?? "", name: form["name"], language: form["language"], channel: .page)
            switch outcome {
            case .mailed, .limited:
                return sent
            case .invalidAddress:
                return pages.render(
                    "subscribe", title: "S’abonner à la lettre", status: .badRequest,
                    values: [
                        "action": "/subscribe", "email": form["email"] ?? "", "name": form["name"] ?? "",
                        "problem": "Cette adresse électronique n’est pas valide : vérifiez-la et réessayez.",
                    ])
            case .unavailable:
                return pages.error(.serviceUnavailable)
            }
        }
        router.get("/confirm/:token") { _, context -> Response in
            let token = try context.parameters.require("token")
            guard let r = try service.request(confirmationToken: token) else { throw HTTPError(.notFound) }
            return pages.render(
                "confirm", title: "Confirmer votre abonnement",
                values: ["masked": Self.masked(r.email), "action": "/confirm/" + token])
        }
        router.post("/confirm/:token") { _, context -> Response in
            let token = try context.parameters.require("token")
            guard let s = try service.confirm(token: token) else { throw HTTPError(.notFound) }
            return pages.render("confirmed", title: "Abonnement confirmé", values: ["masked": Self.masked(s.email)])
        }
    }

    /// The request's form fields (urlencoded or multipart), the body read up to the context's limit (413 beyond).
    static func form(_ request: Request, context: VigieRequestContext) async throws -> FormBody {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return FormBody(contentType: request.headers[.contentType], body: Array(buffer.readableBytesView))
    }

    /// An address as a page shows it to whoever holds the link: `j•••@example.org`.
    static func masked(_ email: String) -> String {
        guard let at = email.lastIndex(of: "@"), let first = email.first, at != email.startIndex else { return "•••" }
        return "\(first)•••\(email[at...])"
    }
}
