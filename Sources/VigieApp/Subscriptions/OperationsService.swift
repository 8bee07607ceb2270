import Foundation
import VigieCore
import VigieStore

/// `/healthz` and `/metrics`: what the database says about intake, the outbox and the counts, read at each request.
public struct OperationsService: Sendable {
    let store: Store
    let intakeQueues: [String]

    /// An intake queue failing for longer than this makes the service unhealthy.
    public static let intakeFailureLimit: TimeInterval = 600

    /// The health report: `healthy` false when the database does not answer or an intake queue has failed for
    /// longer than 10 minutes.
    public struct Health: Sendable {
        public var healthy: Bool
        public var database: Bool
        public var intake: [IntakeHealth]
        /// Enabled queues that are failing for too long.
        public var failingQueues: [String]
        public var lastDigest: Date?
        public var outboxBacklog: Int
    }

    /// Reads the health report; a database that does not answer is a report, not an error.
    public func health(now: Date = Date()) -> Health {
        guard store.ping(), let s = try? store.opsSnapshot() else {
            return Health(
                healthy: false, database: false, intake: [], failingQueues: [], lastDigest: nil, outboxBacklog: 0)
        }
        let intake = s.intake.filter { intakeQueues.contains($0.queue) }
        let failing = intake.filter { h in
            guard let since = h.failingSince else { return false }
            return now.timeIntervalSince(since) > Self.intakeFailureLimit
        }.map(\.queue)
        return Health(
            healthy: failing.isEmpty, database: true, intake: intake, failingQueues: failing, lastDigest: s.lastDigest,
            outboxBacklog: s.outboxBacklog.values.reduce(0, +))
    }

    /// The counts `/metrics` exposes.
    public func snapshot() throws -> OpsSnapshot {
        try store.opsSnapshot()
    }
}
