import Foundation

/// A notice sent to a platform by mail: its Message-ID is what the platform's answer names.
public struct SentNotice: Sendable, Equatable {
    public var id: Int64
    public var clusterID: Int64
    /// Without angle brackets.
    public var messageID: String
    public var platform: Platform
    public var recipient: String
    public var author: String
    public var createdAt: Date
    /// Where its outbox row stands (`pending`, `sent`, …); nil when the row is gone.
    public var state: OutboxState?

    public init(
        id: Int64, clusterID: Int64, messageID: String, platform: Platform, recipient: String, author: String,
        createdAt: Date, state: OutboxState?
    ) {
        self.id = id
        self.clusterID = clusterID
        self.messageID = messageID
        self.platform = platform
        self.recipient = recipient
        self.author = author
        self.createdAt = createdAt
        self.state = state
    }
}

/// A mail that reached the platform-replies mailbox: matched to a notice's cluster, or kept unmatched.
public struct PlatformReply: Sendable, Equatable {
    /// The stored message's id (`vigie reports show ID` shows it whole).
    public var messageID: Int64
    /// The cluster whose notice it answers; nil when nothing matched.
    public var clusterID: Int64?
    /// The notice's Message-ID it named.
    public var noticeMessageID: String?
    public var receivedAt: Date
    /// The sender as written (a platform's address, not a citizen's).
    public var from: String?
    public var subject: String?
    /// The beginning of its text, quoted lines left out.
    public var excerpt: String

    public init(
        messageID: Int64, clusterID: Int64?, noticeMessageID: String?, receivedAt: Date, from: String?,
        subject: String?, excerpt: String
    ) {
        self.messageID = messageID
        self.clusterID = clusterID
        self.noticeMessageID = noticeMessageID
        self.receivedAt = receivedAt
        self.from = from
        self.subject = subject
        self.excerpt = excerpt
    }
}
