import Foundation
import VigieCore
import VigieStore

/// An edition's deliveries once sent: counts, failures, requeueing. Needs the database only (no queue, no secret).
public struct DeliveryService: Sendable {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    /// Counts by state; nil when the edition was never sent.
    public func status(editionID: String) throws -> EditionStatus? {
        try store.editionStatus(editionID)
    }

    /// The deliveries that failed for good; nil when the edition was never sent.
    public func failures(editionID: String) throws -> [DeliveryFailure]? {
        guard try store.editionExists(editionID) else { return nil }
        return try store.deliveryFailures(editionID: editionID)
    }

    /// Requeues the failed deliveries of subscribers still active, for the next send; their number, nil when the
    /// edition was never sent.
    public func retryFailed(editionID: String) throws -> Int? {
        guard try store.editionExists(editionID) else { return nil }
        return try store.retryFailed(editionID: editionID)
    }

    /// Every scheduled edition, the next first.
    public func scheduled() throws -> [ScheduledEdition] {
        try store.scheduledEditions()
    }

    /// Removes a scheduled edition whose sending has not started; returns its edition id.
    public func unschedule(id: Int64) throws -> String {
        try store.unscheduleEdition(id: id)
    }
}
