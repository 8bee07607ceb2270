import Foundation

/// Where a stored message stands; the raw bytes are kept whatever the status.
public enum MessageStatus: String, Sendable, Codable, CaseIterable {
    /// Stored, not yet parsed (a crash between the two steps leaves messages here).
    case received
    /// A citizen's report, parsed.
    case parsed
    /// Automatic mail (RFC 3834): kept, never counted as a report.
    case automatic
    /// The parser gave up; the error is kept with the message.
    case unparsed
    /// Over `max_message_bytes`: headers and size only.
    case tooLarge = "too-large"
}

/// One stored message as listed (`vigie reports list`).
public struct ReportSummary: Sendable, Equatable {
    public var id: Int64
    public var messageID: String?
    public var from: String?
    public var subject: String?
    public var receivedAt: Date
    public var urls: [String]
    public var status: MessageStatus

    public init(
        id: Int64, messageID: String?, from: String?, subject: String?, receivedAt: Date, urls: [String],
        status: MessageStatus
    ) {
        self.id = id
        self.messageID = messageID
        self.from = from
        self.subject = subject
        self.receivedAt = receivedAt
        self.urls = urls
        self.status = status
    }
}

/// Everything `vigie reports show` prints about one stored message.
public struct ReportDetail: Sendable {
    public var summary: ReportSummary
    public var mailbox: String
    public var uid: Int64
    public var size: Int
    public var sha256: String
    public var date: Date?
    public var replyTo: [String]
    public var inReplyTo: String?
    public var text: String?
    public var attachments: [AttachmentInfo]
    public var automaticReason: String?
    public var parseError: String?
    public var warnings: [String]
    /// The earlier stored message with the same Message-ID but other bytes (a collision, kept: not a duplicate).
    public var messageIDCollision: Int64?

    public init(
        summary: ReportSummary, mailbox: String, uid: Int64, size: Int, sha256: String, date: Date?,
        replyTo: [String], inReplyTo: String?, text: String?, attachments: [AttachmentInfo],
        automaticReason: String?, parseError: String?, warnings: [String], messageIDCollision: Int64? = nil
    ) {
        self.summary = summary
        self.mailbox = mailbox
        self.uid = uid
        self.size = size
        self.sha256 = sha256
        self.date = date
        self.replyTo = replyTo
        self.inReplyTo = inReplyTo
        self.text = text
        self.attachments = attachments
        self.automaticReason = automaticReason
        self.parseError = parseError
        self.warnings = warnings
        self.messageIDCollision = messageIDCollision
    }
}
