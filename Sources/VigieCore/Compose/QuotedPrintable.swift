import Foundation

/// Quoted-printable body encoding (RFC 2045 §6.7) tuned for SMTP: CRLF line ends, lines ≤ 76, no lone dot.
public enum QuotedPrintable {
    /// The longest encoded line, soft-break `=` included (RFC 2045 §6.7 rule 5).
    public static let maxLineLength = 76

    /// Encodes UTF-8 text; any line break (CRLF, LF or lone CR) becomes a hard CRLF break.
    public static func encode(_ text: String) -> String {
        encode(bytes: Array(text.utf8))
    }

    /// Encodes raw bytes taken as text: CR, LF and CRLF are line breaks, everything else is data.
    ///
    /// Encoded as `=XX`: `=`, non-ASCII, controls, whitespace before a line end, and — so that no SMTP or mbox agent
    /// can alter the part — a `.` or the `F` of `From ` at the start of an output line.
    public static func encode(bytes: [UInt8]) -> String {
        var out = ""
        out.reserveCapacity(bytes.count + bytes.count / 8)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x0D || b == 0x0A {
                lines.append(bytes[start..<i])
                if b == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
                start = i + 1
            }
            i += 1
        }
        lines.append(bytes[start..<bytes.count])
        for (index, line) in lines.enumerated() {
            if index > 0 { out += "\r\n" }
            encodeLine(line, into: &out)
        }
        return out
    }

    private static func escape(_ b: UInt8) -> String {
        "=" + Hex.encode(CollectionOfOne(b), uppercase: true)
    }

    /// One hard line: escapes each byte, then cuts soft lines of at most 75 characters plus `=`.
    private static func encodeLine(_ line: ArraySlice<UInt8>, into out: inout String) {
        var current = ""
        var currentLength = 0
        let bytes = Array(line)
        for (i, b) in bytes.enumerated() {
            let isLast = i == bytes.count - 1
            let atLineStart = currentLength == 0
            var token: String
            switch b {
            case 0x20, 0x09:
                token = isLast ? escape(b) : String(UnicodeScalar(b))
            case 0x3D:
                token = escape(b)
            case 0x2E where atLineStart:
                token = escape(b)
            case 0x46 where atLineStart && startsWithFromSpace(bytes, at: i):
                token = escape(b)
            case 33...126:
                token = String(UnicodeScalar(b))
            default:
                token = escape(b)
            }
            // The last token of the hard line needs no soft break after it, so it may use column 76.
            let limit = isLast ? maxLineLength : maxLineLength - 1
            if currentLength + token.count > limit {
                out += current + "=\r\n"
                current = ""
                currentLength = 0
                // The token now opens a soft line: re-check the line-start rules.
                if b == 0x2E || (b == 0x46 && startsWithFromSpace(bytes, at: i)) { token = escape(b) }
            }
            current += token
            currentLength += token.count
        }
        out += current
    }

    private static func startsWithFromSpace(_ bytes: [UInt8], at i: Int) -> Bool {
        let from: [UInt8] = Array("From ".utf8)
        guard i + from.count <= bytes.count else { return false }
        return Array(bytes[i..<(i + from.count)]) == from
    }

    /// Decodes quoted-printable text back to bytes (soft breaks removed, CRLF kept); used to check round trips.
    public static func decode(_ encoded: String) -> [UInt8] {
        let bytes = Array(encoded.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x3D {
                if i + 2 < bytes.count, bytes[i + 1] == 0x0D, bytes[i + 2] == 0x0A {
                    i += 3
                    continue
                }
                if i + 2 < bytes.count, let h = hexDigit(bytes[i + 1]), let l = hexDigit(bytes[i + 2]) {
                    out.append(h << 4 | l)
                    i += 3
                    continue
                }
            }
            out.append(b)
            i += 1
        }
        return out
    }

    /// The value of one hexadecimal digit (either case), nil for any other byte.
    public static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
