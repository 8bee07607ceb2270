/// Undoes format=flowed wrapping (RFC 3676): soft line breaks are joined, so sentences and long URLs are whole again.
public enum FormatFlowed {
    /// Unwraps `text` (LF line endings); `delSp` is the DelSp=yes parameter, which deletes the space before a soft
    /// break (clients use it to cut long words such as URLs).
    public static func unwrap(_ text: String, delSp: Bool) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var open = false  // a flowed line is waiting for its continuation
        var openDepth = 0
        var lineStart = 0
        let n = bytes.count
        while lineStart <= n {
            var lineEnd = lineStart
            while lineEnd < n, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if lineStart == n && lineEnd == n && n > 0 && bytes[n - 1] == 0x0A { break }
            var end = lineEnd
            if end > lineStart, bytes[end - 1] == 0x0D { end -= 1 }

            var i = lineStart
            var depth = 0
            while i < end, bytes[i] == UInt8(ascii: ">") {
                depth += 1
                i += 1
            }
            if i < end, bytes[i] == 0x20 { i += 1 }  // space-stuffing
            let isSignature =
                end - i == 3 && bytes[i] == UInt8(ascii: "-") && bytes[i + 1] == UInt8(ascii: "-")
                && bytes[i + 2] == 0x20
            let flowed = !isSignature && end > i && bytes[end - 1] == 0x20
            var contentEnd = end
            if flowed && delSp { contentEnd -= 1 }

            if open && depth == openDepth {
                out += bytes[i..<contentEnd]
            } else {
                if open { out.append(0x0A) }
                if depth > 0 {
                    out += repeatElement(UInt8(ascii: ">"), count: depth)
                    out.append(0x20)
                }
                out += bytes[i..<contentEnd]
            }
            if flowed {
                open = true
                openDepth = depth
            } else {
                open = false
                out.append(0x0A)
            }
            if lineEnd >= n { break }
            lineStart = lineEnd + 1
        }
        if open { out.append(0x0A) }
        // Keep the original's final-newline convention.
        if !(bytes.last == 0x0A), out.last == 0x0A { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }
}
