import Foundation
import VigieCore
import VigieStore

/// An edition's deliveries as a `SendQueue`: one row per subscriber, composed at send time (the unsubscribe token
/// depends on the subscriber's current salt).
struct EditionQueue: SendQueue {
    let store: Store
    let editionID: String
    let composer: @Sendable (Delivery) -> (envelopeFrom: String, messageID: String, bytes: [UInt8])

    func key(of d: Delivery) -> Int64 { d.subscriberID }
    func recipient(of d: Delivery) -> String { d.email }
    func attempts(of d: Delivery) -> Int { d.attempts }
    func logName(of d: Delivery) -> String { "subscriber \(d.subscriberID)" }
    /// The relay's words without the subscriber's address, which relays quote (`550 5.1.1 <a@b.fr>: …`): logs name
    /// subscribers by id; `newsletter failures` shows the operator the whole reply.
    func loggable(_ reply: String, for d: Delivery) -> String {
        reply.replacingOccurrences(of: d.email, with: "(recipient)", options: .caseInsensitive)
    }

    func due(now: Date, limit: Int) throws -> [Delivery] {
        try store.dueDeliveries(editionID: editionID, now: now, limit: limit)
    }

    func nextDeferred() throws -> Date? { try store.nextDeferredAttempt(editionID: editionID) }

    func record(_ outcome: SendOutcome?, take next: Delivery?, fence: LeaseFence?) throws -> TakeOutcome? {
        try store.record(
            editionID: editionID, result: Self.update(outcome), nextSending: next?.subscriberID, fence: fence)
    }

    func recordAll(_ calls: [SendRecord<Delivery>], fence: LeaseFence?) throws -> [TakeOutcome?] {
        try store.recordAll(
            editionID: editionID, calls.map { (Self.update($0.outcome), $0.take?.subscriberID) }, fence: fence)
    }

    static func update(_ outcome: SendOutcome?) -> DeliveryUpdate? {
        outcome.map {
            DeliveryUpdate(
                subscriberID: $0.key, state: $0.state, attempts: $0.attempts, nextAttemptAt: $0.nextAttemptAt,
                code: $0.code, reply: $0.reply, messageID: $0.messageID)
        }
    }

    func giveBack(_ d: Delivery) throws {
        try store.releaseDelivery(editionID: editionID, subscriberID: d.subscriberID, to: d.state)
    }

    func compose(_ d: Delivery) throws -> ComposedMessage {
        let m = composer(d)
        return ComposedMessage(envelopeFrom: m.envelopeFrom, messageID: m.messageID, bytes: m.bytes)
    }
}
