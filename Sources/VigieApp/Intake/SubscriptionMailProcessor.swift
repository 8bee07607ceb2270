import Foundation
import Logging
import VigieCore
import VigieMail
import VigieStore

/// Acts on mail to the subscriptions mailbox: unsubscribe requests (mailto links) and bounces (VERP + DSN).
public struct SubscriptionMailProcessor: IntakeProcessor {
    let store: Store
    let queue: String
    let list: ListHeaders
    let tokens: UnsubscribeTokens
    let logger: Logger

    public init(store: Store, queue: String, list: ListHeaders, tokens: UnsubscribeTokens, logger: Logger) {
        self.store = store
        self.queue = queue
        self.list = list
        self.tokens = tokens
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
                switch SubscriberMail.classify(
                    subject: parsed.subject, headers: parsed.headers, raw: item.raw, list: list)
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
}
