import Foundation
import VigieCore
import VigieStore

/// One queue of the outbox as a `SendQueue`: the bytes were composed at enqueue, so a resend is identical.
struct OutboxQueue: SendQueue {
    let store: Store
    let name: String

    func key(of m: OutboxMessage) -> Int64 { m.id }
    func recipient(of m: OutboxMessage) -> String { m.recipient }
    func attempts(of m: OutboxMessage) -> Int { m.attempts }
    func logName(of m: OutboxMessage) -> String { "outbox \(m.id) (\(m.kind.rawValue))" }
    /// The reply with the recipient's address (as relays quote it) replaced: citizens' addresses stay out of logs.
    func loggable(_ reply: String, for m: OutboxMessage) -> String {
        reply.replacingOccurrences(of: m.recipient, with: "(recipient)", options: .caseInsensitive)
    }

    func due(now: Date, limit: Int) throws -> [OutboxMessage] {
        try store.dueOutbox(queue: name, now: now, limit: limit)
    }

    func nextDeferred() throws -> Date? { try store.nextDeferredOutbox(queue: name) }

    func record(_ outcome: SendOutcome?, take next: OutboxMessage?, fence: LeaseFence?) throws -> TakeOutcome? {
        let update = try outcome.map { o -> OutboxUpdate in
            guard let state = OutboxState(rawValue: o.state.rawValue) else {
                throw OutboxError("outbox \(o.key): no outbox state for \(o.state.rawValue)")
            }
            return OutboxUpdate(id: o.key, state: state, attempts: o.attempts, nextAttemptAt: o.nextAttemptAt,
                                code: o.code, reply: o.reply)
        }
        return try store.recordOutbox(queue: name, result: update, nextSending: next?.id, fence: fence)
    }

    func giveBack(_ m: OutboxMessage) throws { try store.releaseOutbox(id: m.id, to: m.state) }

    func compose(_ m: OutboxMessage) throws -> ComposedMessage {
        guard let bytes = try store.outboxBytes(id: m.id) else {
            throw OutboxError("outbox \(m.id): its message bytes are gone from the database; "
                + "restore the database from a backup")
        }
        return ComposedMessage(envelopeFrom: m.envelopeFrom, messageID: m.messageID, bytes: bytes)
    }
}

/// An outbox fault that is not the relay's: one line naming the row and what to do.
public struct OutboxError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
