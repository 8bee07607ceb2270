import Foundation

/// Reads back the text and HTML bodies of a message this project composed (for previews and tests).
public enum MIMEPreview {
    /// The decoded text/plain and text/html bodies (empty when absent).
    public static func bodies(of message: [UInt8]) -> (text: String, html: String) {
        let s = String(decoding: message, as: UTF8.self)
        let head = headerBlock(of: message).replacingOccurrences(of: "\r\n ", with: " ")
        var parts: [String] = [s]
        if let r = head.range(of: "boundary=\""), let end = head[r.upperBound...].firstIndex(of: "\"") {
            let boundary = String(head[r.upperBound..<end])
            parts = s.components(separatedBy: "\r\n--" + boundary)
        }
        var text = ""
        var html = ""
        for part in parts {
            guard let split = part.range(of: "\r\n\r\n") else { continue }
            let partHead = part[..<split.lowerBound].lowercased()
            let body = String(part[split.upperBound...])
            let decoded =
                partHead.contains("quoted-printable")
                ? String(decoding: QuotedPrintable.decode(body), as: UTF8.self) : body
            if partHead.contains("content-type: text/plain") { text = decoded }
            if partHead.contains("content-type: text/html") { html = decoded }
        }
        return (text, html)
    }

    /// The header block of a message (up to the first empty line).
    public static func headerBlock(of message: [UInt8]) -> String {
        let s = String(decoding: message, as: UTF8.self)
        return s.range(of: "\r\n\r\n").map { String(s[..<$0.lowerBound]) } ?? s
    }
}
