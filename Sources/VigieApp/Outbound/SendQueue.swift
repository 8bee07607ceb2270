import Foundation
import VigieCore
import VigieStore

/// A durable queue of messages the `Sender` works through: an edition's deliveries, or one queue of the outbox.
///
/// The sender's promises rest on these calls: `record` writes a finished attempt and takes the next row (`sending`,
/// under the lease fence) in one commit; `giveBack` restores a row taken when the relay failed before naming the
/// recipient.
public protocol SendQueue: Sendable {
    associatedtype Item: Sendable

    /// The database the queue lives in (where the lease's holder is read when it was lost).
    var store: Store { get }
    /// The row's key within the queue (a subscriber id, an outbox id).
    func key(of item: Item) -> Int64
    /// The envelope recipient (logged at debug only).
    func recipient(of item: Item) -> String
    /// Attempts already made.
    func attempts(of item: Item) -> Int
    /// How logs at info level name the row: an id, never an address.
    func logName(of item: Item) -> String
    /// The relay's reply as logs at info level show it (relays often quote the recipient's address).
    func loggable(_ reply: String, for item: Item) -> String
    /// Rows due now, in queue order.
    func due(now: Date, limit: Int) throws -> [Item]
    /// When the earliest deferred row falls due.
    func nextDeferred() throws -> Date?
    /// Records `outcome` (if any) and takes `next` (if any) for the wire, in one commit; nil when nothing was taken.
    func record(_ outcome: SendOutcome?, take next: Item?, fence: LeaseFence?) throws -> TakeOutcome?
    /// Several connections' `record` calls, each exactly as alone, in one commit where the queue can (group
    /// commit); one result per call, in order.
    func recordAll(_ calls: [SendRecord<Item>], fence: LeaseFence?) throws -> [TakeOutcome?]
    /// Puts a row taken for sending back exactly as it was.
    func giveBack(_ item: Item) throws
    /// The envelope sender, Message-ID and bytes of a taken row.
    func compose(_ item: Item) throws -> ComposedMessage
}

/// One connection's `record` call: the outcome of its finished attempt, the row it takes next.
public struct SendRecord<Item: Sendable>: Sendable {
    public var outcome: SendOutcome?
    public var take: Item?
}

extension SendQueue {
    /// One commit per call, in order (a queue without a batch write).
    public func recordAll(_ calls: [SendRecord<Item>], fence: LeaseFence?) throws -> [TakeOutcome?] {
        try calls.map { try record($0.outcome, take: $0.take, fence: $0.take == nil ? nil : fence) }
    }
}

/// What goes on the wire for one row.
public struct ComposedMessage: Sendable {
    /// Empty for the null sender `<>`.
    public var envelopeFrom: String
    public var messageID: String
    public var bytes: [UInt8]

    public init(envelopeFrom: String, messageID: String, bytes: [UInt8]) {
        self.envelopeFrom = envelopeFrom
        self.messageID = messageID
        self.bytes = bytes
    }
}

/// A finished attempt, as any queue records it (the states are the deliveries' and the outbox's, which match).
public struct SendOutcome: Sendable, Equatable {
    public var key: Int64
    public var state: DeliveryStatus
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var code: Int?
    public var reply: String?
    public var messageID: String?
}

/// What a send run did.
public struct SendSummary: Sendable, Equatable {
    public var sent = 0
    public var failed = 0
    public var deferred = 0
    public var reconnects = 0
    /// Closed without sending (a subscriber who withdrew before their message was taken).
    public var skipped = 0

    public init() {}
}
