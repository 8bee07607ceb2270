import Foundation

/// Everything needed to write one outgoing message to one recipient (newsletter, acknowledgement, digest).
public struct OutgoingMessage: Sendable, Hashable {
    public var from: MailAddress
    /// Exactly one recipient: a bulk message never discloses its audience.
    public var to: MailAddress
    public var subject: String
    public var date: Date
    /// The zone `Date:` is written in (numeric offset on the wire).
    public var timeZone: TimeZone
    /// Without angle brackets (`abc@example.org`), like `ParsedMessage.messageID`; brackets are tolerated.
    public var messageID: String
    /// Further fields in order (`List-Id`, `List-Unsubscribe`, `Auto-Submitted` …), written after `MIME-Version`.
    public var headers: [HeaderField]
    public var textBody: String
    /// When present the message is `multipart/alternative` (text first, then HTML).
    public var htmlBody: String?
    /// Files after the body: the message becomes `multipart/mixed` (base64 parts).
    public var attachments: [Attachment] = []
    /// Where answers go, when not to `from`.
    public var replyTo: MailAddress? = nil

    public init(
        from: MailAddress, to: MailAddress, subject: String, date: Date, timeZone: TimeZone = .current,
        messageID: String, headers: [HeaderField] = [], textBody: String, htmlBody: String? = nil
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.date = date
        self.timeZone = timeZone
        self.messageID = messageID
        self.headers = headers
        self.textBody = textBody
        self.htmlBody = htmlBody
    }
}
