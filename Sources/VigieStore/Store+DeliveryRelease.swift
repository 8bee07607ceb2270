import Foundation
import GRDB
import VigieCore

extension Store {
    /// Gives a delivery taken for sending back exactly as it was (state, attempts, next attempt, last reply): the
    /// relay failed before the recipient was named, so nothing about the recipient may change. No-op unless the row
    /// is `sending`.
    public func releaseDelivery(
        editionID: String, subscriberID: Int64, to state: DeliveryStatus, now: Date = Date()
    )
        throws
    {
        let restored: DeliveryStatus = state == .deferred ? .deferred : .pending
        try pool.write { db in
            try db.execute(
                sql: """
                    UPDATE deliveries SET state = ?, updated_at = ?
                    WHERE edition_id = ? AND subscriber_id = ? AND state = ?
                    """,
                arguments: [restored, now.timeIntervalSince1970, editionID, subscriberID, DeliveryStatus.sending])
        }
    }
}
