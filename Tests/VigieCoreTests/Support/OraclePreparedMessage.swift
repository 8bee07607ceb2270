import Foundation

@testable import VigieCore

// The composer as it was before the byte-level rewrite (commit 5aa9e5a), kept verbatim as the oracle the
// equivalence tests compare the current `PreparedMessage` with: the output bytes must not change.

/// A message rendered once for many recipients: its bodies are quoted-printable encoded once, with slots where each
/// recipient's values (name, address, unsubscribe link) go. Composing one recipient's message then costs a copy of
/// pre-encoded bytes plus the encoding of a few short values — the dispatcher's hot path.
///
/// The slot values are encoded on their own and joined with soft line breaks (`=` CRLF), which decode to nothing:
/// the result decodes to exactly the text `MessageComposer` would have encoded, and no line exceeds 76 characters.
struct OraclePreparedMessage: Sendable {
    /// One body part: encoded static runs around the slots.
    struct Part: Sendable {
        var contentType: String
        /// `runs[i]` comes before `slots[i]`; the last run has no slot after it.
        var runs: [[UInt8]]
        var slots: [Int]
    }

    let text: Part
    let html: Part?
    /// Number of slots (markers) the template uses.
    let slotCount: Int

    /// Splits the rendered bodies at the markers (`markers[k]` marks slot k) and encodes the static runs.
    init(text: String, html: String?, markers: [String]) {
        slotCount = markers.count
        self.text = Self.prepare(text, contentType: "text/plain", markers: markers)
        self.html = html.map { Self.prepare($0, contentType: "text/html", markers: markers) }
    }

    /// The header lines every recipient shares (From, Subject), encoded once for the whole edition.
    struct SharedHeaders: Sendable {
        let from: String
        let subject: String

        init(from: MailAddress, subject: String) {
            self.from = HeaderEncoding.addressField("From", from)
            self.subject = HeaderEncoding.field("Subject", subject)
        }
    }

    /// The complete message for one recipient. `textValues`/`htmlValues` fill the slots (HTML values already escaped).
    func compose(
        from: MailAddress, to: MailAddress, subject: String, date: Date, timeZone: TimeZone = .current,
        messageID: String, headers: [HeaderField], textValues: [String], htmlValues: [String]
    )
        -> [UInt8]
    {
        compose(
            shared: SharedHeaders(from: from, subject: subject), to: to, date: date, timeZone: timeZone,
            messageID: messageID, headers: headers, textValues: textValues, htmlValues: htmlValues)
    }

    /// Same, with the shared header lines already encoded (the dispatcher's hot path).
    func compose(
        shared: SharedHeaders, to: MailAddress, date: Date, timeZone: TimeZone = .current,
        messageID: String, headers: [HeaderField], textValues: [String], htmlValues: [String]
    )
        -> [UInt8]
    {
        let id = MessageComposer.bareMessageID(messageID)
        var lines: [String] = [
            shared.from,
            HeaderEncoding.addressField("To", to),
            shared.subject,
            "Date: " + OracleDate.format(date, timeZone: timeZone),
            "Message-ID: <" + id + ">",
            "MIME-Version: 1.0",
        ]
        for h in headers {
            if let line = Self.plainField(h) {
                lines.append(line)
                continue
            }
            let name = HeaderEncoding.sanitizeName(h.name)
            if name.isEmpty || MessageComposer.reservedFields.contains(name.lowercased()) { continue }
            lines.append(HeaderEncoding.field(name, h.value))
        }
        var out: [UInt8] = []
        out.reserveCapacity(byteEstimate + 1024)
        for line in lines {
            out.append(contentsOf: line.utf8)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        if let html {
            let boundary = MessageComposer.boundary(for: id)
            out.append(
                contentsOf: Array("Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"\r\n\r\n".utf8))
            out.append(contentsOf: Array("This is a multi-part message in MIME format.\r\n".utf8))
            out.append(contentsOf: Array("--\(boundary)\r\n".utf8))
            Self.write(text, values: textValues, into: &out)
            out.append(contentsOf: Array("--\(boundary)\r\n".utf8))
            Self.write(html, values: htmlValues, into: &out)
            out.append(contentsOf: Array("--\(boundary)--\r\n".utf8))
        } else {
            Self.write(text, values: textValues, into: &out)
        }
        return out
    }

    /// The fast path for the list headers every message carries: a printable-ASCII value (no CR, LF or control
    /// character, so nothing to encode and nothing that could start a new header) folded at spaces before column 78.
    /// Anything else returns nil and goes through `HeaderEncoding`.
    static func plainField(_ h: HeaderField) -> String? {
        let name = Array(h.name.utf8)
        guard !name.isEmpty, name.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x3A }),
            !MessageComposer.reservedFields.contains(h.name.lowercased())
        else { return nil }
        let value = Array(h.value.utf8)
        guard !value.isEmpty, value.count < 900, value.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }),
            value.first != 0x20, value.last != 0x20
        else { return nil }
        var out = name + [0x3A, 0x20]
        var column = out.count
        var i = 0
        while i < value.count {
            var j = i + 1
            while j < value.count && value[j] != 0x20 { j += 1 }
            // A word (with its leading space) that would pass column 78 starts a folded line.
            if column + (j - i) > 78 && value[i] == 0x20 && column > name.count + 2 {
                out += [0x0D, 0x0A]
                column = 0
            }
            out += value[i..<j]
            column += j - i
            i = j
        }
        return String(decoding: out, as: UTF8.self)
    }

    private var byteEstimate: Int {
        (text.runs.reduce(0) { $0 + $1.count }) + (html?.runs.reduce(0) { $0 + $1.count } ?? 0)
    }

    private static func write(_ part: Part, values: [String], into out: inout [UInt8]) {
        out.append(contentsOf: Array("Content-Type: \(part.contentType); charset=utf-8\r\n".utf8))
        out.append(contentsOf: Array("Content-Transfer-Encoding: quoted-printable\r\n\r\n".utf8))
        let softBreak: [UInt8] = [0x3D, 0x0D, 0x0A]
        for (i, run) in part.runs.enumerated() {
            out.append(contentsOf: run)
            guard i < part.slots.count else { break }
            // Every run and value sits on soft lines of its own, so no line grows past 76 characters.
            if out.last != 0x0A { out.append(contentsOf: softBreak) }
            let value = part.slots[i] < values.count ? Array(values[part.slots[i]].utf8) : []
            // 24 bytes encode to at most 72 characters, leaving room for the soft break's `=`.
            var start = 0
            while start < value.count {
                let end = min(start + 24, value.count)
                QuotedPrintable.append(value[start..<end], to: &out)
                out.append(contentsOf: softBreak)
                start = end
            }
        }
        if out.count >= 3 && out[out.count - 3] == 0x3D && out[out.count - 2] == 0x0D && out[out.count - 1] == 0x0A {
            // A value ended the part: its soft break would join the boundary's CRLF; end the line plainly instead.
            out.removeLast(3)
            out.append(contentsOf: [0x0D, 0x0A])
        } else if out.last != 0x0A {
            out.append(contentsOf: [0x0D, 0x0A])
        }
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
        return Part(contentType: contentType, runs: runs, slots: slots)
    }

    /// Encodes a static run; a run that ends mid-line gets a soft break so the slot value starts a fresh soft line.
    private static func encodeRun(_ s: Substring) -> [UInt8] {
        guard !s.isEmpty else { return [] }
        return Array(QuotedPrintable.encode(String(s)).utf8)
    }
}

/// The `Date:` field format of RFC 5322 §3.3 with a numeric zone, independent of the process locale.
enum OracleDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Tue, 05 Mar 2024 14:03:09 +0100`.
    static func format(_ date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let offset = timeZone.secondsFromGMT(for: date) / 60
        let sign = offset < 0 ? "-" : "+"
        let zone = sign + pad(abs(offset) / 60) + pad(abs(offset) % 60)
        return "\(days[c.weekday! - 1]), \(pad(c.day!)) \(months[c.month! - 1]) \(c.year!) "
            + "\(pad(c.hour!)):\(pad(c.minute!)):\(pad(c.second!)) \(zone)"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
