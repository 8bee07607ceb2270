import Foundation
import VigieCore
import VigieStore

/// The outbox seen by its operator: counts, failures, requeueing. Needs the database only (no relay, no secret).
public struct OutboxService: Sendable {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    /// Counts per queue and kind.
    public func status() throws -> [OutboxCounts] {
        try store.outboxCounts()
    }

    /// The messages the relay refused for good (with their recipient: for the operator, never for the logs).
    public func failures(queue: String? = nil, kind: OutboxKind? = nil) throws -> [OutboxFailure] {
        try store.outboxFailures(queue: queue, kind: kind)
    }

    /// Requeues the failed messages (attempts reset) for the next send; how many.
    public func retryFailed(queue: String? = nil, kind: OutboxKind? = nil) throws -> Int {
        try store.retryOutboxFailed(queue: queue, kind: kind)
    }
}
