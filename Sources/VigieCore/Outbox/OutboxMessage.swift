import Foundation

/// An outbox row due for sending: what the sender needs to take it, without its bytes (read once it is taken).
public struct OutboxMessage: Sendable, Equatable {
    public var id: Int64
    public var queue: String
    public var kind: OutboxKind
    public var recipient: String
    /// Empty for the null sender `<>`.
    public var envelopeFrom: String
    public var messageID: String
    public var state: OutboxState
    public var attempts: Int

    public init(id: Int64, queue: String, kind: OutboxKind, recipient: String, envelopeFrom: String, messageID: String,
                state: OutboxState, attempts: Int) {
        self.id = id
        self.queue = queue
        self.kind = kind
        self.recipient = recipient
        self.envelopeFrom = envelopeFrom
        self.messageID = messageID
        self.state = state
        self.attempts = attempts
    }
}

/// The outbox counted by queue and kind (`vigie outbox status`).
public struct OutboxCounts: Sendable, Equatable {
    public var queue: String
    public var kind: OutboxKind
    /// Not attempted yet, or in flight (`sending`).
    public var pending = 0
    public var deferred = 0
    public var sent = 0
    public var failed = 0
    public var skipped = 0
    /// Sent rows whose bytes the retention rule cleared (metadata kept).
    public var pruned = 0
    /// When the earliest deferred row falls due.
    public var nextAttemptAt: Date?
    /// When the oldest row still to send (pending or deferred) was enqueued.
    public var oldestUnsentAt: Date?

    public init(queue: String, kind: OutboxKind) {
        self.queue = queue
        self.kind = kind
    }

    /// Rows still to send (pending, in flight or deferred).
    public var unsent: Int { pending + deferred }
}

/// A message the relay refused for good (`vigie outbox failures`); the recipient is for the operator's eyes only.
public struct OutboxFailure: Sendable, Equatable {
    public var id: Int64
    public var queue: String
    public var kind: OutboxKind
    public var recipient: String
    public var subjectRef: String?
    public var attempts: Int
    public var code: Int?
    public var reply: String?
    public var failedAt: Date

    public init(id: Int64, queue: String, kind: OutboxKind, recipient: String, subjectRef: String?, attempts: Int,
                code: Int?, reply: String?, failedAt: Date) {
        self.id = id
        self.queue = queue
        self.kind = kind
        self.recipient = recipient
        self.subjectRef = subjectRef
        self.attempts = attempts
        self.code = code
        self.reply = reply
        self.failedAt = failedAt
    }
}
