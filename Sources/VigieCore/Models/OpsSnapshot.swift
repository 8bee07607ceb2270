import Foundation

/// What `/metrics` and `/healthz` read from the database at each scrape.
public struct OpsSnapshot: Sendable {
    /// Citizens' reports (the reports mailbox's messages) by parse status.
    public var reportsByStatus: [String: Int] = [:]
    public var clustersByStatus: [String: Int] = [:]
    /// (edition, state) → deliveries.
    public var deliveries: [String: [String: Int]] = [:]
    /// Outbox rows waiting to be sent (pending, deferred, sending), by queue.
    public var outboxBacklog: [String: Int] = [:]
    /// Last SMTP replies of deliveries and outbox messages, by class ("2", "4", "5").
    public var smtpReplies: [String: Int] = [:]
    /// Unsubscriptions recorded, by channel.
    public var unsubscribes: [String: Int] = [:]
    public var subscribersByStatus: [String: Int] = [:]
    public var intake: [IntakeHealth] = []
    public var lastDigest: Date?

    public init() {}
}
