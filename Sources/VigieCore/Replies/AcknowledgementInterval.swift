import Foundation

/// At most one acknowledgement per address per interval (RFC 3834 §2): a later report within it is recorded as
/// grouped with the earlier acknowledgement instead of answered again.
public struct AcknowledgementInterval: Sendable, Equatable {
    /// The earlier acknowledgement to the same address: which report it answered, and when it was enqueued.
    public struct Prior: Sendable, Equatable {
        public var reportID: Int64
        /// When that report was received (its reference's year).
        public var receivedAt: Date
        public var acknowledgedAt: Date

        public init(reportID: Int64, receivedAt: Date, acknowledgedAt: Date) {
            self.reportID = reportID
            self.receivedAt = receivedAt
            self.acknowledgedAt = acknowledgedAt
        }
    }

    /// Send, or record as grouped with the reason kept in the outbox row.
    public enum Verdict: Sendable, Equatable {
        case send
        case grouped(reason: String)
    }

    public var seconds: TimeInterval
    /// The zone of the references' years and of the time written in the reason.
    public var timeZone: TimeZone

    public init(hours: Int, timeZone: TimeZone) {
        self.seconds = TimeInterval(hours) * 3600
        self.timeZone = timeZone
    }

    /// Acknowledgements enqueued after this instant count against a new one at `now`.
    public func windowStart(now: Date) -> Date { now.addingTimeInterval(-seconds) }

    /// The verdict at `now` given the latest acknowledgement to the same address (nil: none ever).
    public func verdict(prior: Prior?, now: Date) -> Verdict {
        guard seconds > 0, let prior, prior.acknowledgedAt > windowStart(now: now) else { return .send }
        let reference = ReportReference(id: prior.reportID, receivedAt: prior.receivedAt, timeZone: timeZone)
        let fmt = DateFormatter()
        fmt.locale = Locale(identifier: "en_US_POSIX")
        fmt.timeZone = timeZone
        fmt.dateFormat = "yyyy-MM-dd HH:mm xxx"
        return .grouped(reason: "grouped: acknowledged \(reference) at \(fmt.string(from: prior.acknowledgedAt))")
    }
}
