import Foundation

/// Turns an `OutgoingMessage` into the exact bytes handed to SMTP: RFC 5322 + MIME, UTF-8, quoted-printable, CRLF.
public enum MessageComposer {
    /// Field names the composer writes itself; an extra header with one of these names is dropped.
    public static let reservedFields: Set<String> = [
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "content-type",
        "content-transfer-encoding", "sender", "reply-to", "return-path",
    ]

    /// The message as bytes; every line ends with CRLF and none exceeds 998 characters.
    public static func compose(_ message: OutgoingMessage) -> [UInt8] {
        Array(composeString(message).utf8)
    }

    /// The same message as a string (it is pure ASCII by construction).
    public static func composeString(_ message: OutgoingMessage) -> String {
        let messageID = bareMessageID(message.messageID)
        var lines: [String] = [
            HeaderEncoding.addressField("From", message.from),
            HeaderEncoding.addressField("To", message.to),
            HeaderEncoding.field("Subject", message.subject),
            "Date: " + RFC5322Date.format(message.date, timeZone: message.timeZone),
            "Message-ID: <" + messageID + ">",
            "MIME-Version: 1.0",
        ]
        for header in message.headers {
            let name = HeaderEncoding.sanitizeName(header.name)
            if name.isEmpty || reservedFields.contains(name.lowercased()) { continue }
            lines.append(HeaderEncoding.field(name, header.value))
        }
        var out = lines.joined(separator: "\r\n") + "\r\n"
        if let html = message.htmlBody {
            let boundary = boundary(for: messageID)
            out += "Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"\r\n\r\n"
            out += "This is a multi-part message in MIME format.\r\n"
            out += "--\(boundary)\r\n" + part(contentType: "text/plain", body: message.textBody)
            out += "--\(boundary)\r\n" + part(contentType: "text/html", body: html)
            out += "--\(boundary)--\r\n"
        } else {
            out += part(contentType: "text/plain", body: message.textBody)
        }
        return out
    }

    /// Part headers, blank line, quoted-printable body ending with CRLF.
    static func part(contentType: String, body: String) -> String {
        var s = "Content-Type: \(contentType); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        var encoded = QuotedPrintable.encode(body)
        if !encoded.isEmpty && !encoded.hasSuffix("\r\n") { encoded += "\r\n" }
        s += encoded
        return s
    }

    /// A boundary that quoted-printable text can never contain: QP writes `=` only before two hex digits or CRLF,
    /// so `=_` cannot occur in a body. Derived from the Message-ID so output is deterministic.
    static func boundary(for messageID: String) -> String {
        let alnum = String(
            String.UnicodeScalarView(
                messageID.unicodeScalars.filter {
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                }
            ).prefix(40))
        return "=_vigie_" + alnum
    }

    static func bareMessageID(_ id: String) -> String {
        var s = HeaderEncoding.sanitizeAddress(id)
        if s.hasPrefix("<") { s.removeFirst() }
        if s.hasSuffix(">") { s.removeLast() }
        return s
    }
}
