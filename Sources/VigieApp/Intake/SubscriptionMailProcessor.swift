import Foundation
import Logging
import VigieCore
import VigieMail
import VigieStore

/// Acts on mail to the subscriptions mailbox: unsubscribe requests (mailto links or a word), subscription requests
/// (double opt-in), bounces (VERP + DSN) and spam complaints (ARF).
public struct SubscriptionMailProcessor: IntakeProcessor {
    let store: Store
    let queue: String
    let list: ListHeaders
    let tokens: UnsubscribeTokens
    /// The double opt-in; nil when subscriptions are not configured (requests are then left for a human).
    let subscriptions: SubscriptionService?
    let logger: Logger

    public init(
        store: Store, queue: String, list: ListHeaders, tokens: UnsubscribeTokens,
        subscriptions: SubscriptionService? = nil, logger: Logger
    ) {
        self.store = store
        self.queue = queue
        self.list = list
        self.tokens = tokens
        self.subscriptions = subscriptions
        self.logger = logger
    }

    public func processPending() throws -> IntakeStats {
        try drain(queue: queue, store: store)
    }

    public func process(_ items: [MessageToParse]) throws -> IntakeStats {
        var stats = IntakeStats()
        let subscribers = SubscriberService(store: store)
        do {
            var outcomes: [ParseOutcome] = []
            for item in items {
                let parsed: ParsedMessage
                do {
                    parsed = try MessageParser.parse(item.raw)
                } catch {
                    outcomes.append(
                        ParseOutcome(
                            messageID: item.id, status: .unparsed, parsed: nil, urls: [],
                            automaticReason: nil, error: "\(error)"))
                    stats.unparsed += 1
                    continue
                }
                var note: String
                // The subscriber named in the note: the log line at info shows the id, the address only at debug.
                var named: Subscriber?
                var status = MessageStatus.automatic
                let firstLine = parsed.text.split(whereSeparator: \.isNewline).lazy
                    .map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
                switch SubscriberMail.classify(
                    subject: parsed.subject, headers: parsed.headers, raw: item.raw, list: list, firstLine: firstLine)
                {
                case .unsubscribe(let token):
                    status = .parsed
                    if let s = try subscribers.unsubscribe(
                        token: token, tokens: tokens, reason: "mailto request",
                        causedBy: item.id)
                    {
                        named = s
                        note = "unsubscribe request: \(s.email) unsubscribed"
                    } else {
                        note = "unsubscribe request with an invalid or revoked token"
                    }
                case .hardBounce(let token, let detail):
                    if let s = try subscribers.bounce(token: token, tokens: tokens, detail: detail, causedBy: item.id) {
                        named = s
                        note = "bounce: \(s.email) marked bounced (\(detail))"
                    } else {
                        note = "bounce with an invalid token (\(detail))"
                    }
                case .softBounce(let token, let detail):
                    if let id = UnsubscribeTokens.claimedID(token), let s = try store.subscriber(id: id),
                        tokens.verify(token, subscriberID: id, salt: s.tokenSalt)
                    {
                        try store.recordSoftBounce(id: id, detail: detail, causedBy: item.id)
                        named = s
                        note = "temporary bounce for \(s.email) (\(detail))"
                    } else {
                        note = "temporary bounce with an invalid token (\(detail))"
                    }
                case .subscribe:
                    status = .parsed
                    note = try subscribeRequest(from: parsed, messageID: item.id)
                case .unsubscribeSender:
                    status = .parsed
                    if let from = parsed.from?.address, let s = try store.subscriber(email: from),
                        let after = try store.unsubscribe(
                            id: s.id, channel: .mail, detail: "mail from the address", causedBy: item.id)
                    {
                        named = after
                        note = "unsubscribe request by mail: \(s.email) \(after.status)"
                    } else {
                        note = "unsubscribe request by mail from an address that is not subscribed"
                    }
                case .complaint(let token, let detail):
                    if let token, let id = UnsubscribeTokens.claimedID(token), let s = try store.subscriber(id: id),
                        tokens.verify(token, subscriberID: id, salt: s.tokenSalt),
                        let after = try store.unsubscribe(
                            id: id, channel: .complaint, detail: detail, causedBy: item.id)
                    {
                        named = after
                        note = "spam complaint: \(s.email) unsubscribed (\(detail))"
                    } else {
                        note = "spam complaint naming no subscriber of ours (\(detail))"
                    }
                case .other:
                    status = .parsed
                    note = "not an unsubscribe request nor a bounce; left for a human"
                }
                if let named {
                    let redacted = note.replacingOccurrences(of: named.email, with: "subscriber \(named.id)")
                    logger.info("subscriptions: message \(item.id): \(redacted)")
                    logger.debug("subscriptions: message \(item.id): \(note)")
                } else {
                    logger.info("subscriptions: message \(item.id): \(note)")
                }
                outcomes.append(
                    ParseOutcome(
                        messageID: item.id, status: status, parsed: parsed, urls: [],
                        automaticReason: note, error: nil))
                if status == .automatic { stats.automatic += 1 } else { stats.parsed += 1 }
            }
            try store.saveParsed(outcomes)
        }
        return stats
    }

    /// Starts the double opt-in for the sender of an `abonnement` mail (the name from its From); the note says
    /// what happened, without the address.
    func subscribeRequest(from parsed: ParsedMessage, messageID: Int64) throws -> String {
        guard let subscriptions, subscriptions.acceptsSubscriptions else {
            return "subscription request by mail, but subscriptions are not configured ([http] public_url and an "
                + "acknowledgements queue); left for a human"
        }
        guard let from = parsed.from?.address else { return "subscription request by mail without a sender" }
        switch try subscriptions.request(address: from, name: parsed.from?.name, language: nil, channel: .mail) {
        case .mailed(let id): return "subscription request by mail: confirmation mailed (request \(id))"
        case .limited: return "subscription request by mail: a confirmation was already mailed within 24 h"
        case .invalidAddress: return "subscription request by mail from an address we cannot write to"
        case .unavailable: return "subscription request by mail, but subscriptions are not configured"
        }
    }
}
