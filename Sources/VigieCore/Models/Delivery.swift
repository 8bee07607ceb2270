import Foundation

/// Where one (edition, subscriber) delivery stands.
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    case pending, sending, sent, deferred, failed
    /// Closed without sending: the subscriber was no longer active when the row was taken.
    case skipped
}

/// A row of the durable delivery queue.
public struct Delivery: Sendable, Equatable {
    public var editionID: String
    public var subscriberID: Int64
    public var email: String
    public var name: String?
    public var state: DeliveryStatus
    public var attempts: Int
    /// The subscriber's current token salt (their unsubscribe token depends on it).
    public var tokenSalt: Int

    public init(
        editionID: String, subscriberID: Int64, email: String, name: String?, state: DeliveryStatus,
        attempts: Int, tokenSalt: Int = 0
    ) {
        self.editionID = editionID
        self.subscriberID = subscriberID
        self.email = email
        self.name = name
        self.state = state
        self.attempts = attempts
        self.tokenSalt = tokenSalt
    }
}

/// An edition's deliveries counted by state (`newsletter status`).
public struct EditionStatus: Sendable, Equatable {
    public var edition: String
    public var total: Int
    public var sent: Int
    public var failed: Int
    public var deferred: Int
    /// Not attempted yet (or in flight).
    public var pending: Int
    /// Closed without sending because the subscriber withdrew (or bounced) before their message was taken.
    public var skipped: Int

    public init(edition: String, total: Int, sent: Int, failed: Int, deferred: Int, pending: Int, skipped: Int = 0) {
        self.edition = edition
        self.skipped = skipped
        self.total = total
        self.sent = sent
        self.failed = failed
        self.deferred = deferred
        self.pending = pending
    }

    /// True when nothing is left to attempt.
    public var isFinished: Bool { pending == 0 && deferred == 0 }
}

/// A delivery that failed for good (`newsletter failures`).
public struct DeliveryFailure: Sendable, Equatable {
    public var email: String
    public var attempts: Int
    public var code: Int?
    public var reply: String?

    public init(email: String, attempts: Int, code: Int?, reply: String?) {
        self.email = email
        self.attempts = attempts
        self.code = code
        self.reply = reply
    }
}
