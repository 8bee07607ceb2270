import Foundation
import VigieCore
import VigieStore

extension AppContext {
    /// The one-click unsubscribe and the double opt-in for the newsletter queue. Confirmation mails are sent by the
    /// `acknowledgements` outbox queue (the one that answers the public), from the newsletter's sender, and link to
    /// `[http] public_url`/confirm/TOKEN; without either, `acceptsSubscriptions` is false.
    public func subscriptions() throws -> SubscriptionService {
        let n = try newsletterSettings()
        let tokens = try UnsubscribeTokens(secret: n.secret, listID: n.list.listID)
        var mail: ConfirmationMail?
        let senders = outboxQueueConfigs.filter { $0.kind == .acknowledgements }
        if let publicURL = config.publicURL, let queue = senders.first(where: \.enabled) ?? senders.first {
            mail = ConfirmationMail(
                queue: queue.name, from: n.from, organisation: config.organisation, publicURL: publicURL,
                text: try templates.load("confirmation.txt"), html: try templates.load("confirmation.html"))
        }
        return SubscriptionService(
            store: try store(), unsubscribeTokens: tokens,
            confirmationTokens: ConfirmationTokens(secret: n.secret, listID: n.list.listID), mail: mail,
            logger: logger)
    }

    /// Health and metrics: the database only.
    public func operations() throws -> OperationsService {
        OperationsService(store: try store(), intakeQueues: intakeQueueNames)
    }

    /// The names of the enabled intake queues.
    var intakeQueueNames: [String] {
        queues.compactMap { q -> String? in
            if case .intake(let i) = q, i.enabled { return i.name }
            return nil
        }
    }
}
