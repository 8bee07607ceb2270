import Foundation

/// How a subscriber joined or left: the proof of consent a data-protection authority asks for.
public enum ConsentChannel: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// The `/subscribe` form and its `/confirm` link, or the unsubscribe page's button.
    case page
    /// The RFC 8058 POST a mailbox provider sends for its "unsubscribe" button.
    case oneClick = "one-click"
    /// A mail to the subscriptions mailbox (`abonnement`, `unsubscribe-TOKEN`).
    case mail
    /// A spam complaint (ARF feedback report).
    case complaint
    /// A hard bounce, or too many soft ones.
    case bounce
    /// `subscribers import` (the consent was gathered elsewhere).
    case `import`
    /// `subscribers add` or `subscribers unsubscribe` by an operator.
    case command

    public var description: String { rawValue }
}

/// The direction of a consent event.
public enum ConsentAction: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case subscribed, unsubscribed
    public var description: String { rawValue }
}

/// One entry of a subscriber's consent history.
public struct ConsentRecord: Sendable, Equatable {
    public var at: Date
    public var action: ConsentAction
    public var channel: ConsentChannel
    /// For a double opt-in: when the confirmation was asked for.
    public var requestedAt: Date?
    public var detail: String?

    public init(at: Date, action: ConsentAction, channel: ConsentChannel, requestedAt: Date?, detail: String?) {
        self.at = at
        self.action = action
        self.channel = channel
        self.requestedAt = requestedAt
        self.detail = detail
    }
}

/// A request to join the list, waiting for its confirmation link to be followed.
public struct SubscriptionRequest: Sendable, Equatable {
    public var id: Int64
    public var email: String
    public var name: String?
    public var language: String?
    public var channel: ConsentChannel
    public var requestedAt: Date
    public var confirmedAt: Date?

    public init(
        id: Int64, email: String, name: String?, language: String?, channel: ConsentChannel, requestedAt: Date,
        confirmedAt: Date?
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.language = language
        self.channel = channel
        self.requestedAt = requestedAt
        self.confirmedAt = confirmedAt
    }
}

/// An intake queue's health as every process sees it: its last good pass and how long it has been failing.
public struct IntakeHealth: Sendable, Equatable {
    public var queue: String
    public var lastSuccess: Date?
    public var lastFailure: Date?
    /// Set at the first failure after a success; nil while the queue works.
    public var failingSince: Date?
    public var lastError: String?
    public var polls: Int
    public var errors: Int

    public init(
        queue: String, lastSuccess: Date?, lastFailure: Date?, failingSince: Date?, lastError: String?, polls: Int,
        errors: Int
    ) {
        self.queue = queue
        self.lastSuccess = lastSuccess
        self.lastFailure = lastFailure
        self.failingSince = failingSince
        self.lastError = lastError
        self.polls = polls
        self.errors = errors
    }
}
