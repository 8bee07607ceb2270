import Foundation
import VigieCore
import VigieStore

/// The stored messages as moderators read them: every message received, whatever its status.
public struct ReportService: Sendable {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    /// Stored messages of the reports mailboxes, newest first, optionally of one status.
    public func list(status: MessageStatus? = nil, limit: Int? = nil) throws -> [ReportSummary] {
        try store.reports(status: status, limit: limit)
    }

    /// One stored message in full; nil when there is none with this id.
    public func report(id: Int64) throws -> ReportDetail? {
        try store.report(id: id)
    }
}
