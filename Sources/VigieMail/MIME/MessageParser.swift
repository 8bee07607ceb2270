import VigieCore

/// Turns a citizen's raw report mail into a `ParsedMessage`: libetpan reads the MIME tree, addresses and dates;
/// the rest (charsets, flowed text, HTML, forwarded messages) is decoded here.
public enum MessageParser {
    /// Parses `raw` (the message exactly as stored); problems that still leave something readable become
    /// `warnings`, and only an empty or header-less input, or one libetpan refuses outright, throws
    /// `MessageParseError`.
    public static func parse(_ raw: [UInt8]) throws -> ParsedMessage {
        var walker = MIMEWalker()
        let message = try walker.parseMessage(raw, depth: 0)
        let fields = message.headers
        var parsed = ParsedMessage()
        parsed.headers = fields.map { HeaderField(name: $0.name, value: $0.decoded) }
        if let from = fields.first(named: "From") { parsed.from = AddressList.parse(from.value).first }
        if let replyTo = fields.first(named: "Reply-To") { parsed.replyTo = AddressList.parse(replyTo.value) }
        if let to = fields.first(named: "To") { parsed.to = AddressList.parse(to.value) }
        parsed.subject = fields.first(named: "Subject")?.decoded
        if let date = fields.first(named: "Date") { parsed.date = HeaderValues.date(date.value) }
        if let id = fields.first(named: "Message-ID") { parsed.messageID = HeaderValues.messageID(id.value) }
        if let id = fields.first(named: "In-Reply-To") { parsed.inReplyTo = HeaderValues.messageID(id.value) }
        parsed.contentType = message.contentType
        parsed.text = message.body.text
        parsed.htmlLinks = message.body.links
        parsed.attachments = message.body.attachments
        parsed.forwardedCount = message.body.forwardedCount
        parsed.warnings = walker.warnings
        parsed.unstructuredText = walker.unstructured.joined(separator: "\n")
        return parsed
    }

    /// The files attached to `raw` (forwarded messages' too), decoded, in order: screenshots for notices and evidence.
    public static func attachments(of raw: [UInt8]) throws -> [Attachment] {
        var walker = MIMEWalker()
        walker.keepFiles = true
        return try walker.parseMessage(raw, depth: 0).body.files
    }
}
