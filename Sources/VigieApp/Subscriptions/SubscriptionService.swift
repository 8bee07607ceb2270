import Foundation
import Logging
import VigieCore
import VigieStore

/// The subscriber's life cycle outside the command line: the one-click unsubscribe, the double opt-in (form or mail)
/// with its confirmation mail through the outbox, and the consent history they write.
public struct SubscriptionService: Sendable {
    let store: Store
    let unsubscribeTokens: UnsubscribeTokens
    let confirmationTokens: ConfirmationTokens
    /// Nil when no confirmation mail can be written (no `[http] public_url`, or no outbox queue to send it).
    let mail: ConfirmationMail?
    let logger: Logger

    /// One confirmation mail per address per 24 h at most.
    public static let mailWindow: TimeInterval = 24 * 3600

    init(
        store: Store, unsubscribeTokens: UnsubscribeTokens, confirmationTokens: ConfirmationTokens,
        mail: ConfirmationMail?, logger: Logger
    ) {
        self.store = store
        self.unsubscribeTokens = unsubscribeTokens
        self.confirmationTokens = confirmationTokens
        self.mail = mail
        self.logger = logger
    }

    /// Whether `/subscribe` and `abonnement` mails can be served (a public URL and an outbox queue exist).
    public var acceptsSubscriptions: Bool { mail != nil }

    // MARK: - Unsubscribe

    /// The subscriber a genuine unsubscribe token designates; nil for a tampered, unknown or revoked token.
    public func subscriber(unsubscribeToken token: String) throws -> Subscriber? {
        guard ListHeaders.isSafeToken(token), let id = UnsubscribeTokens.claimedID(token),
            let s = try store.subscriber(id: id), unsubscribeTokens.verify(token, subscriberID: id, salt: s.tokenSalt)
        else { return nil }
        return s
    }

    /// Unsubscribes the subscriber a token designates, recording the channel; idempotent. Nil when the token is not
    /// genuine (nothing changed).
    public func unsubscribe(token: String, channel: ConsentChannel, detail: String? = nil) throws -> Subscriber? {
        guard let s = try subscriber(unsubscribeToken: token) else { return nil }
        let after = try store.unsubscribe(id: s.id, channel: channel, detail: detail)
        if s.status == .active { logger.info("subscriber \(s.id) unsubscribed (\(channel))") }
        return after
    }

    // MARK: - Double opt-in

    /// What a request to join did; the page says the same thing whatever happened (no enumeration).
    public enum RequestOutcome: Sendable, Equatable {
        /// A confirmation mail was enqueued.
        case mailed(requestID: Int64)
        /// This address already had a confirmation mail within 24 h: nothing sent.
        case limited
        /// The address is not one we can write to.
        case invalidAddress
        /// Subscriptions are not configured (`[http] public_url` or the outbox queue missing).
        case unavailable
    }

    /// Starts the double opt-in for `address`: one confirmation mail at most per address per 24 h, whatever the
    /// address's state (new, pending, active, unsubscribed). `detail` (e.g. the channel's origin) is kept with the
    /// consent once confirmed.
    public func request(
        address: String, name: String?, language: String?, channel: ConsentChannel, now: Date = Date()
    ) throws -> RequestOutcome {
        guard let mail else { return .unavailable }
        guard let email = EmailAddress.validate(address.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return .invalidAddress
        }
        let name = Self.cleanName(name)
        let language = Self.cleanLanguage(language)
        let id = try store.requestSubscription(
            email: email, name: name, language: language, channel: channel, window: Self.mailWindow,
            keep: ConfirmationTokens.validity, now: now
        ) { id in
            let token = confirmationTokens.token(requestID: id, requestedAt: now)
            return [mail.item(requestID: id, to: email, name: name, token: token, now: now)]
        }
        guard let id else {
            logger.info("subscription request (\(channel)): a confirmation was already mailed within 24 h")
            return .limited
        }
        logger.info("subscription request \(id) (\(channel)): confirmation mail enqueued")
        return .mailed(requestID: id)
    }

    /// The pending request a confirmation token names, for the page showing the button; nil when the token is
    /// not genuine, has expired, or its request is gone.
    public func request(confirmationToken token: String, now: Date = Date()) throws -> SubscriptionRequest? {
        guard let id = confirmationTokens.verify(token, now: now) else { return nil }
        return try store.subscriptionRequest(id: id)
    }

    /// Confirms: the address becomes (or stays) an active subscriber; idempotent. Nil when the token is not genuine
    /// or has expired.
    public func confirm(token: String, detail: String? = nil, now: Date = Date()) throws -> Subscriber? {
        guard let id = confirmationTokens.verify(token, now: now) else { return nil }
        guard let s = try store.confirmSubscription(requestID: id, detail: detail, now: now) else { return nil }
        logger.info("subscription request \(id) confirmed: subscriber \(s.id) \(s.status)")
        return s
    }

    /// A display name as given: one line, at most 200 characters; nil when empty.
    static func cleanName(_ name: String?) -> String? {
        guard let name else { return nil }
        let line = String(
            name.unicodeScalars.filter { !SafeText.isUnsafe($0) }.map(Character.init)
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        return line.isEmpty ? nil : String(line.prefix(200))
    }

    /// A language tag (`fr`, `en`, `fr-BE`); anything else is dropped.
    static func cleanLanguage(_ language: String?) -> String? {
        guard let l = language?.trimmingCharacters(in: .whitespaces), (2...8).contains(l.count),
            l.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") }), l.first!.isLetter
        else { return nil }
        return l
    }
}
