import Foundation

/// An attachment as listed in a report: never its bytes, which stay in the raw message.
public struct AttachmentInfo: Sendable, Hashable, Codable {
    public var filename: String?
    public var mimeType: String
    public var size: Int

    public init(filename: String?, mimeType: String, size: Int) {
        self.filename = filename
        self.mimeType = mimeType
        self.size = size
    }
}

/// One header field as it stood in the message, unfolded; `value` is RFC 2047-decoded to UTF-8.
public struct HeaderField: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// What the MIME parser makes of a raw message; everything is UTF-8 and free of transfer encodings.
public struct ParsedMessage: Sendable, Codable {
    /// Top-level header fields in order (names as written).
    public var headers: [HeaderField] = []
    public var from: MailAddress?
    public var replyTo: [MailAddress] = []
    public var to: [MailAddress] = []
    public var subject: String?
    public var date: Date?
    /// Without the angle brackets.
    public var messageID: String?
    public var inReplyTo: String?
    /// Top-level content type, lowercased (`multipart/report`, `text/plain`, …).
    public var contentType: String = "text/plain"
    /// The report's readable text: text/plain parts, or HTML reduced to text when a part has no plain alternative;
    /// forwarded messages (message/rfc822 parts) follow, each under a separator line.
    public var text: String = ""
    /// Every `href`/`src` target found in HTML parts (forwarded ones included), in order.
    public var htmlLinks: [String] = []
    public var attachments: [AttachmentInfo] = []
    /// Forwarded messages found as message/rfc822 parts, parsed recursively.
    public var forwardedCount: Int = 0
    /// Text read as raw bytes past a structural limit (too many parts, too deep): searched for links, never shown.
    public var unstructuredText: String = ""
    /// Non-fatal problems met while parsing (unknown charset, truncated multipart, …).
    public var warnings: [String] = []

    public init() {}

    /// The first header field with that name (case-insensitive).
    public func header(_ name: String) -> String? {
        // Field names are ASCII (RFC 5322 §3.6.8): compared byte by byte, ASCII letters folded.
        let wanted = name.utf8
        return headers.first {
            $0.name.utf8.elementsEqual(wanted) { a, b in
                (a >= 0x41 && a <= 0x5A ? a | 0x20 : a) == (b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
            }
        }?.value
    }
}
