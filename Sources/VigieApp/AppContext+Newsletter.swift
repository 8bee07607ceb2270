import Foundation
import VigieCore
import VigieStore

extension AppContext {
    /// Processing of the subscriptions mailbox: unsubscribe requests and bounces for the newsletter's list.
    func subscriptionProcessor(queue: String) throws -> SubscriptionMailProcessor {
        let n = try newsletterSettings()
        return SubscriptionMailProcessor(
            store: try store(), queue: queue, list: n.list,
            tokens: try UnsubscribeTokens(secret: n.secret, listID: n.list.listID),
            subscriptions: try subscriptions(), logger: logger)
    }

    /// The newsletter queue's settings (the queue named `name`, else the first of kind newsletter).
    /// Whether an enabled newsletter queue is configured (the subscriber routes exist only then).
    public var hasEnabledNewsletter: Bool {
        queues.contains { q in
            if case .outbound(let o) = q { o.kind == .newsletter && o.enabled } else { false }
        }
    }

    public func newsletterSettings(queue name: String? = nil) throws -> NewsletterSettings {
        let candidates = queues.compactMap { q -> OutboundQueue? in
            if case .outbound(let o) = q, o.kind == .newsletter { return o }
            return nil
        }
        guard let q = name.map({ n in candidates.first { $0.name == n } }) ?? candidates.first else {
            throw ConfigError(
                "no newsletter queue\(name.map { " named \"\($0)\"" } ?? "") in \(config.queuesDir); "
                    + "add one with kind = \"newsletter\" (vigie init writes an example)")
        }
        guard q.enabled else { throw ConfigError("\(q.file): the queue is disabled (enabled = false)") }
        return try NewsletterSettings.from(q, config: config)
    }

    /// The newsletter use cases; `create` for `send`, which may be the first run.
    public func newsletter(queue name: String? = nil, create: Bool = false) throws -> NewsletterService {
        NewsletterService(
            store: try store(create: create), settings: try newsletterSettings(queue: name), config: config,
            logger: logger)
    }

    /// An edition's deliveries after sending (status, failures, retry): the database only.
    public func deliveries() throws -> DeliveryService {
        DeliveryService(store: try store())
    }

    /// Subscriber management; `create` for import and add, which may be the first run.
    public func subscribers(create: Bool = false) throws -> SubscriberService {
        SubscriberService(store: try store(create: create))
    }
}
