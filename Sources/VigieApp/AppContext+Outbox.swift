import Foundation
import VigieCore
import VigieStore

extension AppContext {
    /// The outbox queues (`digest`, `acknowledgements` kinds), enabled or not.
    var outboxQueueConfigs: [OutboundQueue] {
        queues.compactMap { q -> OutboundQueue? in
            if case .outbound(let o) = q, o.kind != .newsletter { return o }
            return nil
        }
    }

    /// The settings of the outbox queue named `queue` (a `digest` or `acknowledgements` file).
    public func outboundSettings(queue: String) throws -> OutboundSettings {
        let all = outboxQueueConfigs
        guard let q = all.first(where: { $0.name == queue }) else {
            throw ConfigError("no outbox queue named \"\(queue)\" in \(config.queuesDir); outbox queues: "
                + (all.isEmpty ? "none" : all.map(\.name).joined(separator: ", ")))
        }
        return try OutboundSettings.from(q, config: config)
    }

    /// The sender of one outbox queue (its relay, pacing and lease `outbox:QUEUE`); a disabled queue is refused.
    public func outboxSender(queue: String) throws -> OutboxSender {
        let s = try outboundSettings(queue: queue)
        guard s.enabled else { throw ConfigError("\(s.file): the queue is disabled (enabled = false)") }
        return OutboxSender(store: try store(), settings: s, logger: logger)
    }

    /// The senders of every enabled outbox queue, or of the enabled ones of `kind`.
    public func outboxSenders(kind: OutboundQueue.Kind? = nil) throws -> [OutboxSender] {
        try outboxQueueConfigs.filter { $0.enabled && (kind == nil || $0.kind == kind) }
            .map { try outboxSender(queue: $0.name) }
    }

    /// The outbox's counts, failures and retries: the database only.
    public func outbox() throws -> OutboxService {
        OutboxService(store: try store())
    }
}
