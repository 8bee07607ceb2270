import Foundation

/// Decodes RFC 2047 encoded-words (`=?utf-8?q?…?=`, `=?iso-8859-1?b?…?=`) in header values, so names and subjects
/// read as their senders typed them.
public enum RFC2047 {
    /// Decodes the encoded-words of a header value; text outside them is taken as UTF-8 (or windows-1252 when invalid).
    public static func decode(_ value: String) -> String {
        guard value.utf8.contains(UInt8(ascii: "=")) else { return value }
        return decode(Array(value.utf8))
    }

    /// Decodes the encoded-words of a raw header value.
    public static func decode(_ bytes: [UInt8]) -> String {
        guard hasEncodedWordStart(bytes) else { return Charset.undeclared(bytes) }
        let segments = split(bytes)
        var out = ""
        var index = 0
        while index < segments.count {
            switch segments[index] {
            case .raw(let raw):
                // Linear whitespace between two encoded-words is not part of the text (RFC 2047 §6.2).
                let betweenWords =
                    index > 0 && index + 1 < segments.count
                    && segments[index - 1].isWord && segments[index + 1].isWord
                    && raw.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
                if !betweenWords { out += Charset.undeclared(raw) }
                index += 1
            case .word(let charset, var data):
                // Adjacent words in one charset are joined before decoding: senders split multibyte characters.
                var next = index + 1
                while next < segments.count {
                    if case .word(let c2, let d2) = segments[next], Charset.normalize(c2) == Charset.normalize(charset)
                    {
                        data += d2
                        next += 1
                    } else if case .raw(let raw) = segments[next], next + 1 < segments.count,
                        raw.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }),
                        case .word(let c2, let d2) = segments[next + 1],
                        Charset.normalize(c2) == Charset.normalize(charset)
                    {
                        data += d2
                        next += 2
                    } else {
                        break
                    }
                }
                out += Charset.decode(data, charset: charset).text
                index = next
            }
        }
        return out
    }

    static func hasEncodedWordStart(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == UInt8(ascii: "="), bytes[i + 1] == UInt8(ascii: "?") { return true }
            i += 1
        }
        return false
    }

    enum Segment {
        case raw([UInt8])
        case word(charset: String, data: [UInt8])

        var isWord: Bool {
            if case .word = self { return true }
            return false
        }
    }

    static func split(_ bytes: [UInt8]) -> [Segment] {
        var segments: [Segment] = []
        var rawStart = 0
        var i = 0
        let n = bytes.count
        while i + 1 < n {
            if bytes[i] == UInt8(ascii: "="), bytes[i + 1] == UInt8(ascii: "?"),
                let (charset, data, end) = parseWord(bytes, at: i)
            {
                if rawStart < i { segments.append(.raw(Array(bytes[rawStart..<i]))) }
                segments.append(.word(charset: charset, data: data))
                i = end
                rawStart = end
            } else {
                i += 1
            }
        }
        if rawStart < n { segments.append(.raw(Array(bytes[rawStart..<n]))) }
        return segments
    }

    /// Parses `=?charset?enc?text?=` at `start`; each step stops at the next `?`, so scanning stays linear.
    static func parseWord(_ b: [UInt8], at start: Int) -> (String, [UInt8], Int)? {
        let n = b.count
        let q = UInt8(ascii: "?")
        var i = start + 2
        let charsetStart = i
        while i < n, b[i] != q, b[i] > 0x20, i - charsetStart < 64 { i += 1 }
        guard i < n, b[i] == q, i > charsetStart else { return nil }
        let charset = String(decoding: b[charsetStart..<i], as: UTF8.self)
        i += 1
        guard i + 1 < n, b[i + 1] == q else { return nil }
        let encoding = b[i] | 0x20
        guard encoding == UInt8(ascii: "q") || encoding == UInt8(ascii: "b") else { return nil }
        i += 2
        let textStart = i
        while i < n, b[i] != q { i += 1 }
        guard i + 1 < n, b[i + 1] == UInt8(ascii: "=") else { return nil }
        let text = b[textStart..<i]
        let data = encoding == UInt8(ascii: "b") ? Base64.decode(text) : decodeQ(text)
        return (charset, data, i + 2)
    }

    static func decodeQ(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == UInt8(ascii: "_") {
                out.append(0x20)
            } else if c == UInt8(ascii: "="), i + 2 < text.endIndex,
                let hi = hexValue(text[i + 1]), let lo = hexValue(text[i + 2])
            {
                out.append(hi << 4 | lo)
                i += 2
            } else {
                out.append(c)
            }
            i += 1
        }
        return out
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
