import Foundation

/// Whether a subscriber gets the newsletter.
public enum SubscriberStatus: String, Sendable, Codable, CaseIterable {
    case active, unsubscribed, bounced
}

/// One entry of a subscriber's history (`subscribers show`).
public enum SubscriberEvent: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Added by `subscribers import`.
    case imported
    /// Added one by one (`subscribers add`).
    case added
    case unsubscribed
    /// Marked bounced (a hard bounce, or too many soft ones).
    case bounced
    /// Taken back after leaving, at the person's request.
    case resubscribed
    /// A temporary bounce, counted.
    case softBounce = "soft-bounce"

    /// The event that records a move to `status`.
    public init(movingTo status: SubscriberStatus) {
        switch status {
        case .active: self = .resubscribed
        case .unsubscribed: self = .unsubscribed
        case .bounced: self = .bounced
        }
    }

    /// The stored spelling, as the history prints it.
    public var description: String { rawValue }
}

/// A newsletter subscriber.
public struct Subscriber: Sendable, Equatable {
    public var id: Int64
    public var email: String
    public var name: String?
    public var language: String?
    public var status: SubscriberStatus
    public var tokenSalt: Int
    public var createdAt: Date
    public var statusChangedAt: Date?
    public var statusReason: String?
    public var bounces: Int

    public init(
        id: Int64, email: String, name: String?, language: String?, status: SubscriberStatus, tokenSalt: Int,
        createdAt: Date, statusChangedAt: Date?, statusReason: String?, bounces: Int
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.language = language
        self.status = status
        self.tokenSalt = tokenSalt
        self.createdAt = createdAt
        self.statusChangedAt = statusChangedAt
        self.statusReason = statusReason
        self.bounces = bounces
    }
}

/// Subscriber counts by status (`subscribers count`).
public struct SubscriberCounts: Sendable, Equatable {
    public var active: Int
    public var unsubscribed: Int
    public var bounced: Int

    public init(active: Int, unsubscribed: Int, bounced: Int) {
        self.active = active
        self.unsubscribed = unsubscribed
        self.bounced = bounced
    }
}

/// One valid row of an import, already normalised.
public struct SubscriberRow: Sendable, Equatable {
    public var email: String
    public var name: String?
    public var language: String?

    public init(email: String, name: String?, language: String?) {
        self.email = email
        self.name = name
        self.language = language
    }
}

/// What an import did.
public struct ImportSummary: Sendable, Equatable {
    public var imported = 0
    public var updated = 0
    public var unchanged = 0
    /// Addresses that unsubscribed or bounced: never resubscribed by an import.
    public var keptOut = 0

    public init() {}
}
