import Foundation

/// A message rendered once for many recipients: its bodies are quoted-printable encoded once, with slots where each
/// recipient's values (name, address, unsubscribe link) go. Composing one recipient's message then costs a copy of
/// pre-encoded bytes plus the encoding of a few short values — the dispatcher's hot path.
///
/// The slot values are encoded on their own and joined with soft line breaks (`=` CRLF), which decode to nothing:
/// the result decodes to exactly the text `MessageComposer` would have encoded, and no line exceeds 76 characters.
public struct PreparedMessage: Sendable {
    /// One body part: encoded static runs around the slots.
    struct Part: Sendable {
        var contentType: String
        /// `Content-Type` and `Content-Transfer-Encoding` lines and the blank line, as bytes.
        var header: [UInt8]
        /// `runs[i]` comes before `slots[i]`; the last run has no slot after it.
        var runs: [[UInt8]]
        var slots: [Int]
        /// The bytes of all runs.
        var runBytes: Int
    }

    let text: Part
    let html: Part?
    /// Number of slots (markers) the template uses.
    public let slotCount: Int

    /// Splits the rendered bodies at the markers (`markers[k]` marks slot k) and encodes the static runs.
    public init(text: String, html: String?, markers: [String]) {
        slotCount = markers.count
        self.text = Self.prepare(text, contentType: "text/plain", markers: markers)
        self.html = html.map { Self.prepare($0, contentType: "text/html", markers: markers) }
    }

    /// The header lines every recipient shares (From, Subject), encoded once for the whole edition.
    public struct SharedHeaders: Sendable {
        let from: String
        let subject: String
        /// `from` and `subject` as bytes, each with its CRLF.
        let fromLine: [UInt8]
        let subjectLine: [UInt8]

        public init(from: MailAddress, subject: String) {
            self.from = HeaderEncoding.addressField("From", from)
            self.subject = HeaderEncoding.field("Subject", subject)
            fromLine = Array(self.from.utf8) + [0x0D, 0x0A]
            subjectLine = Array(self.subject.utf8) + [0x0D, 0x0A]
        }
    }

    /// The complete message for one recipient. `textValues`/`htmlValues` fill the slots (HTML values already escaped).
    public func compose(
        from: MailAddress, to: MailAddress, subject: String, date: Date, timeZone: TimeZone = .current,
        messageID: String, headers: [HeaderField], textValues: [String], htmlValues: [String]
    )
        -> [UInt8]
    {
        compose(
            shared: SharedHeaders(from: from, subject: subject), to: to, date: date, timeZone: timeZone,
            messageID: messageID, headers: headers, textValues: textValues, htmlValues: htmlValues)
    }

    /// Same, with the shared header lines already encoded (the dispatcher's hot path): one buffer sized up front,
    /// the pre-encoded runs copied in, only the per-recipient values encoded.
    public func compose(
        shared: SharedHeaders, to: MailAddress, date: Date, timeZone: TimeZone = .current,
        messageID: String, headers: [HeaderField], textValues: [String], htmlValues: [String]
    )
        -> [UInt8]
    {
        let id = MessageComposer.bareMessageID(messageID)
        var out: [UInt8] = []
        out.reserveCapacity(capacity(headers: headers, textValues: textValues, htmlValues: htmlValues, id: id))
        out.append(contentsOf: shared.fromLine)
        HeaderEncoding.appendAddressField("To", to, to: &out)
        out.append(contentsOf: Self.crlf)
        out.append(contentsOf: shared.subjectLine)
        out.append(contentsOf: "Date: ".utf8)
        out.append(contentsOf: RFC5322Date.format(date, timeZone: timeZone).utf8)
        out.append(contentsOf: "\r\nMessage-ID: <".utf8)
        out.append(contentsOf: id.utf8)
        out.append(contentsOf: ">\r\nMIME-Version: 1.0\r\n".utf8)
        for h in headers {
            if Self.appendPlainField(h, to: &out) { continue }
            let name = HeaderEncoding.sanitizeName(h.name)
            if name.isEmpty || MessageComposer.reservedFields.contains(name.lowercased()) { continue }
            out.append(contentsOf: HeaderEncoding.field(name, h.value).utf8)
            out.append(contentsOf: Self.crlf)
        }
        if let html {
            let boundary = MessageComposer.boundaryBytes(for: id)
            out.append(contentsOf: "Content-Type: multipart/alternative;\r\n boundary=\"".utf8)
            out.append(contentsOf: boundary)
            out.append(contentsOf: "\"\r\n\r\nThis is a multi-part message in MIME format.\r\n".utf8)
            Self.appendDelimiter(boundary, close: false, to: &out)
            Self.write(text, values: textValues, into: &out)
            Self.appendDelimiter(boundary, close: false, to: &out)
            Self.write(html, values: htmlValues, into: &out)
            Self.appendDelimiter(boundary, close: true, to: &out)
        } else {
            Self.write(text, values: textValues, into: &out)
        }
        return out
    }

    private static let crlf: [UInt8] = [0x0D, 0x0A]

    /// `--boundary` CRLF, or `--boundary--` CRLF to close.
    private static func appendDelimiter(_ boundary: [UInt8], close: Bool, to out: inout [UInt8]) {
        out.append(0x2D)
        out.append(0x2D)
        out.append(contentsOf: boundary)
        if close {
            out.append(0x2D)
            out.append(0x2D)
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// An upper bound of the message's size, so the buffer is allocated once: runs, then each slot value at its
    /// worst quoted-printable size (3 bytes a byte, a soft break per 24 bytes), plus room for the header lines.
    private func capacity(headers: [HeaderField], textValues: [String], htmlValues: [String], id: String) -> Int {
        func valueBytes(_ part: Part, _ values: [String]) -> Int {
            var n = part.header.count + part.runBytes + 8
            for k in part.slots where k < values.count {
                let count = values[k].utf8.count
                n += 3 * count + 3 * (count / 24 + 2)
            }
            return n
        }
        var n = 2048 + 2 * id.utf8.count + valueBytes(text, textValues)
        if let html { n += valueBytes(html, htmlValues) }
        for h in headers { n += 2 * (h.name.utf8.count + h.value.utf8.count) + 16 }
        return n
    }

    /// The fast path for the list headers every message carries: a printable-ASCII value (no CR, LF or control
    /// character, so nothing to encode and nothing that could start a new header) folded at spaces before column 78.
    /// Anything else returns nil and goes through `HeaderEncoding`.
    static func plainField(_ h: HeaderField) -> String? {
        var out: [UInt8] = []
        guard appendPlainField(h, to: &out) else { return nil }
        return String(decoding: out.dropLast(2), as: UTF8.self)
    }

    /// `plainField` written straight into `out` with its CRLF; false (and `out` untouched) when the field needs
    /// `HeaderEncoding`.
    static func appendPlainField(_ h: HeaderField, to out: inout [UInt8]) -> Bool {
        var name = h.name
        var value = h.value
        return name.withUTF8 { name in
            value.withUTF8 { value in
                guard !name.isEmpty, name.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x3A }),
                    !isReserved(name),
                    !value.isEmpty, value.count < 900, value.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }),
                    value.first != 0x20, value.last != 0x20
                else { return false }
                out.append(contentsOf: name)
                out.append(0x3A)
                out.append(0x20)
                var column = name.count + 2
                var i = 0
                while i < value.count {
                    var j = i + 1
                    while j < value.count && value[j] != 0x20 { j += 1 }
                    // A word (with its leading space) that would pass column 78 starts a folded line.
                    if column + (j - i) > 78 && value[i] == 0x20 && column > name.count + 2 {
                        out.append(0x0D)
                        out.append(0x0A)
                        column = 0
                    }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: value[i..<j]))
                    column += j - i
                    i = j
                }
                out.append(0x0D)
                out.append(0x0A)
                return true
            }
        }
    }

    /// The reserved field names as bytes (lowercase), for an allocation-free case-insensitive check.
    private static let reservedNames: [[UInt8]] = MessageComposer.reservedFields.map { Array($0.utf8) }

    /// Whether an ASCII field name is one the composer writes itself (any case).
    private static func isReserved(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        reservedNames.contains { r in
            r.count == name.count && zip(r, name).allSatisfy { $0 == ($1 >= 0x41 && $1 <= 0x5A ? $1 | 0x20 : $1) }
        }
    }

    private static func write(_ part: Part, values: [String], into out: inout [UInt8]) {
        out.append(contentsOf: part.header)
        for (i, run) in part.runs.enumerated() {
            out.append(contentsOf: run)
            guard i < part.slots.count else { break }
            // Every run and value sits on soft lines of its own, so no line grows past 76 characters.
            if out.last != 0x0A { appendSoftBreak(to: &out) }
            guard part.slots[i] < values.count else { continue }
            var value = values[part.slots[i]]
            value.withUTF8 { value in
                // 24 bytes encode to at most 72 characters, leaving room for the soft break's `=`.
                var start = 0
                while start < value.count {
                    let end = min(start + 24, value.count)
                    QuotedPrintable.append(UnsafeBufferPointer(rebasing: value[start..<end]), to: &out)
                    appendSoftBreak(to: &out)
                    start = end
                }
            }
        }
        if out.count >= 3 && out[out.count - 3] == 0x3D && out[out.count - 2] == 0x0D && out[out.count - 1] == 0x0A {
            // A value ended the part: its soft break would join the boundary's CRLF; end the line plainly instead.
            out.removeLast(3)
            out.append(0x0D)
            out.append(0x0A)
        } else if out.last != 0x0A {
            out.append(0x0D)
            out.append(0x0A)
        }
    }

    private static func appendSoftBreak(to out: inout [UInt8]) {
        out.append(0x3D)
        out.append(0x0D)
        out.append(0x0A)
    }

    private static func prepare(_ body: String, contentType: String, markers: [String]) -> Part {
        var runs: [[UInt8]] = []
        var slots: [Int] = []
        var rest = Substring(body)
        while true {
            var best: (range: Range<Substring.Index>, slot: Int)?
            for (k, m) in markers.enumerated() where !m.isEmpty {
                if let r = rest.range(of: m), best == nil || r.lowerBound < best!.range.lowerBound { best = (r, k) }
            }
            guard let b = best else { break }
            runs.append(encodeRun(rest[..<b.range.lowerBound]))
            slots.append(b.slot)
            rest = rest[b.range.upperBound...]
        }
        runs.append(encodeRun(rest))
        let header = Array(
            "Content-Type: \(contentType); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n".utf8)
        return Part(
            contentType: contentType, header: header, runs: runs, slots: slots,
            runBytes: runs.reduce(0) { $0 + $1.count })
    }

    /// Encodes a static run; a run that ends mid-line gets a soft break so the slot value starts a fresh soft line.
    private static func encodeRun(_ s: Substring) -> [UInt8] {
        guard !s.isEmpty else { return [] }
        return Array(QuotedPrintable.encode(String(s)).utf8)
    }
}
