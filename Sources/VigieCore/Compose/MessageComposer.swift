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
        ]
        if let replyTo = message.replyTo { lines.append(HeaderEncoding.addressField("Reply-To", replyTo)) }
        lines += [
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
        if !message.attachments.isEmpty {
            let mixed = "=_mixed" + boundary(for: messageID).dropFirst(2)
            out += "Content-Type: multipart/mixed;\r\n boundary=\"\(mixed)\"\r\n\r\n"
            out += "This is a multi-part message in MIME format.\r\n"
            var inner = message
            inner.attachments = []
            out += "--\(mixed)\r\n" + body(inner, messageID: messageID)
            for file in message.attachments { out += "--\(mixed)\r\n" + attachmentPart(file) }
            out += "--\(mixed)--\r\n"
            return out
        }
        return out + body(message, messageID: messageID)
    }

    /// The text (or text and HTML) body with its own Content-Type.
    static func body(_ message: OutgoingMessage, messageID: String) -> String {
        var out = ""
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

    /// One file as a base64 part (76-character lines); its name RFC 2231-encoded when not plain ASCII.
    static func attachmentPart(_ file: Attachment) -> String {
        let cleaned = file.mimeType.lowercased().filter {
            $0.isASCII && ($0.isLetter || $0.isNumber || "/.+-".contains($0))
        }
        let type = cleaned.split(separator: "/").count == 2 ? cleaned : "application/octet-stream"
        var s = "Content-Type: \(type)\r\nContent-Transfer-Encoding: base64\r\n"
        if let name = file.filename, !name.isEmpty {
            s += "Content-Disposition: attachment; " + filenameParameter(name) + "\r\n"
        } else {
            s += "Content-Disposition: attachment\r\n"
        }
        s += "\r\n"
        let encoded = Data(file.bytes).base64EncodedString()
        var i = encoded.startIndex
        while i < encoded.endIndex {
            let j = encoded.index(i, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            s += encoded[i..<j] + "\r\n"
            i = j
        }
        return s
    }

    /// `filename="…"` for a printable ASCII name, else `filename*=utf-8''…` (RFC 2231).
    static func filenameParameter(_ name: String) -> String {
        let plain = name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }
        if plain && name.count <= 60 { return "filename=\"\(name)\"" }
        var encoded = ""
        for b in name.utf8 {
            let c = Character(Unicode.Scalar(b))
            if b < 0x80 && (c.isLetter || c.isNumber || "-._".contains(c)) {
                encoded.append(c)
            } else {
                encoded += String(format: "%%%02X", b)
            }
        }
        return "filename*=utf-8''\(encoded)"
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

    /// `boundary(for:)` as bytes, for a bare Message-ID (printable ASCII, as `bareMessageID` leaves it).
    static func boundaryBytes(for bareID: String) -> [UInt8] {
        var out: [UInt8] = Array("=_vigie_".utf8)
        out.reserveCapacity(48)
        var kept = 0
        for b in bareID.utf8 where kept < 40 {
            if (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) {
                out.append(b)
                kept += 1
            }
        }
        return out
    }

    static func bareMessageID(_ id: String) -> String {
        var s = HeaderEncoding.sanitizeAddress(id)
        if s.hasPrefix("<") { s.removeFirst() }
        if s.hasSuffix(">") { s.removeLast() }
        return s
    }
}
