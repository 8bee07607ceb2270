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
        var out: [UInt8] = []
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Same as `encode(bytes:)`, appending the encoded bytes to `out` (the newsletter's per-recipient hot path: no
    /// intermediate string).
    public static func append<C: Collection<UInt8>>(_ bytes: C, to out: inout [UInt8]) {
        let encode = { (b: UnsafeBufferPointer<UInt8>) in
            // Grow geometrically: reserving the exact size on every call would reallocate (and copy) a buffer that
            // many small appends share.
            let needed = out.count + b.count + b.count / 8 + 8
            if out.capacity < needed { out.reserveCapacity(Swift.max(needed, 2 * out.capacity)) }
            var start = 0
            var i = 0
            var first = true
            while i < b.count {
                let c = b[i]
                if c == 0x0D || c == 0x0A {
                    if !first {
                        out.append(0x0D)
                        out.append(0x0A)
                    }
                    first = false
                    encodeLine(b, start, i, into: &out)
                    if c == 0x0D, i + 1 < b.count, b[i + 1] == 0x0A { i += 1 }
                    start = i + 1
                }
                i += 1
            }
            if !first {
                out.append(0x0D)
                out.append(0x0A)
            }
            encodeLine(b, start, b.count, into: &out)
        }
        if bytes.withContiguousStorageIfAvailable(encode) == nil { Array(bytes).withUnsafeBufferPointer(encode) }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// One hard line (`b[lo..<hi]`): escapes each byte, cutting soft lines of at most 75 characters plus `=`.
    private static func encodeLine(_ b: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, into out: inout [UInt8]) {
        var length = 0
        var i = lo
        while i < hi {
            let c = b[i]
            let isLast = i == hi - 1
            var escaped: Bool
            switch c {
            case 0x20, 0x09: escaped = isLast
            case 0x3D: escaped = true
            case 0x2E where length == 0: escaped = true
            case 0x46 where length == 0 && startsWithFromSpace(b, i, hi): escaped = true
            case 33...126: escaped = false
            default: escaped = true
            }
            // The last token of the hard line needs no soft break after it, so it may use column 76.
            let limit = isLast ? maxLineLength : maxLineLength - 1
            if length + (escaped ? 3 : 1) > limit {
                out.append(0x3D)
                out.append(0x0D)
                out.append(0x0A)
                length = 0
                // The token now opens a soft line: re-check the line-start rules.
                if c == 0x2E || (c == 0x46 && startsWithFromSpace(b, i, hi)) { escaped = true }
            }
            if escaped {
                out.append(0x3D)
                out.append(hexDigits[Int(c >> 4)])
                out.append(hexDigits[Int(c & 0x0F)])
                length += 3
            } else {
                out.append(c)
                length += 1
            }
            i += 1
        }
    }

    private static func startsWithFromSpace(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ hi: Int) -> Bool {
        guard i + 5 <= hi else { return false }
        return b[i] == 0x46 && b[i + 1] == 0x72 && b[i + 2] == 0x6F && b[i + 3] == 0x6D && b[i + 4] == 0x20
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
