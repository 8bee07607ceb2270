import Foundation

/// Hand-written URL parsing on UTF-8 bytes (no regex, no `URLComponents`): identities run at hundreds of thousands
/// of URLs per second.
enum URLNormalizer {
    /// Parses and normalises an http(s) URL; nil for any other scheme or for a URL without a valid host.
    static func normalize(_ url: String) -> NormalizedURL? {
        var copy = url
        return copy.withUTF8 { parse($0) }
    }

    // MARK: - Byte classes

    private static var slash: UInt8 { UInt8(ascii: "/") }
    private static var backslash: UInt8 { UInt8(ascii: "\\") }
    private static var question: UInt8 { UInt8(ascii: "?") }
    private static var hash: UInt8 { UInt8(ascii: "#") }
    private static var percent: UInt8 { UInt8(ascii: "%") }
    private static var colon: UInt8 { UInt8(ascii: ":") }
    private static var dot: UInt8 { UInt8(ascii: ".") }

    /// Unreserved characters (RFC 3986): decoded when escaped.
    @inline(__always)
    static func isUnreserved(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Other characters a path or query may hold as they are (sub-delims, `:`, `@`, `/`, `?`).
    @inline(__always)
    private static func isAllowedReserved(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"), UInt8(ascii: "?"):
            return true
        default:
            return false
        }
    }

    @inline(__always)
    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    @inline(__always)
    private static func lower(_ c: UInt8) -> UInt8 {
        c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c | 0x20 : c
    }

    // MARK: - Whole URL

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> NormalizedURL? {
        var start = 0
        var end = b.count
        while start < end, b[start] <= 0x20 { start += 1 }
        while end > start, b[end - 1] <= 0x20 { end -= 1 }
        guard end - start >= 8,
            lower(b[start]) == UInt8(ascii: "h"), lower(b[start + 1]) == UInt8(ascii: "t"),
            lower(b[start + 2]) == UInt8(ascii: "t"), lower(b[start + 3]) == UInt8(ascii: "p")
        else { return nil }
        var i = start + 4
        if lower(b[i]) == UInt8(ascii: "s") { i += 1 }
        guard i + 3 <= end, b[i] == colon, b[i + 1] == slash || b[i + 1] == backslash,
            b[i + 2] == slash || b[i + 2] == backslash
        else { return nil }
        i += 3

        let authorityStart = i
        while i < end, b[i] != slash, b[i] != backslash, b[i] != question, b[i] != hash { i += 1 }
        guard let (host, port) = parseAuthority(b, authorityStart, i) else { return nil }

        let pathStart = i
        while i < end, b[i] != question, b[i] != hash { i += 1 }
        let path = normalizePath(b, pathStart, i)

        var query: [QueryItem] = []
        if i < end, b[i] == question {
            let queryStart = i + 1
            i = queryStart
            while i < end, b[i] != hash { i += 1 }
            query = parseQuery(b, queryStart, i)
        }

        var hashbangPath: String?
        if i < end, b[i] == hash, i + 2 < end, b[i + 1] == UInt8(ascii: "!"), b[i + 2] == slash {
            var j = i + 2
            while j < end, b[j] != question { j += 1 }
            hashbangPath = normalizePath(b, i + 2, j)
        }
        return NormalizedURL(host: host, port: port, path: path, query: query, hashbangPath: hashbangPath)
    }

    // MARK: - Authority

    private static func parseAuthority(
        _ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int
    ) -> (String, String?)? {
        var hostStart = from
        for j in from..<to where b[j] == UInt8(ascii: "@") { hostStart = j + 1 }
        var hostEnd = to
        var portStart: Int?
        if hostStart < to, b[hostStart] == UInt8(ascii: "[") {
            var j = hostStart
            while j < to, b[j] != UInt8(ascii: "]") { j += 1 }
            guard j < to else { return nil }
            hostEnd = j + 1
            if hostEnd < to {
                guard b[hostEnd] == colon else { return nil }
                portStart = hostEnd + 1
            }
        } else {
            var j = to
            while j > hostStart {
                j -= 1
                if b[j] == colon {
                    hostEnd = j
                    portStart = j + 1
                    break
                }
            }
        }

        var port: String?
        if let ps = portStart {
            var value = 0
            var digits = 0
            for j in ps..<to {
                guard let d = hexValue(b[j]), d < 10 else { return nil }
                value = value * 10 + Int(d)
                digits += 1
                if value > 65535 { return nil }
            }
            if digits > 0, value != 80, value != 443 { port = String(value) }
        }

        guard hostStart < hostEnd else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(hostEnd - hostStart)
        if b[hostStart] == UInt8(ascii: "[") {
            for j in hostStart..<hostEnd {
                let c = lower(b[j])
                guard hexValue(c) != nil || c == colon || c == dot || c == UInt8(ascii: "[") || c == UInt8(ascii: "]")
                else { return nil }
                out.append(c)
            }
            return (String(decoding: out, as: UTF8.self), port)
        }
        var needsIDNA = false
        for j in hostStart..<hostEnd {
            let c = b[j]
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): out.append(c | 0x20)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), dot:
                out.append(c)
            default:
                guard c >= 0x80 || c == percent else { return nil }
                needsIDNA = true
            }
            if needsIDNA { break }
        }
        if needsIDNA {
            guard let encoded = idnaHost(UnsafeBufferPointer(rebasing: b[hostStart..<hostEnd])) else { return nil }
            out = encoded
        }
        while out.last == dot { out.removeLast() }
        guard !out.isEmpty, out.first != dot else { return nil }
        for j in 1..<out.count where out[j] == dot && out[j - 1] == dot { return nil }
        if out.count > 4, out[0] == UInt8(ascii: "w"), out[1] == UInt8(ascii: "w"), out[2] == UInt8(ascii: "w"),
            out[3] == dot, out[4...].contains(dot)
        {
            out.removeFirst(4)
        }
        return (String(decoding: out, as: UTF8.self), port)
    }

    /// IDNA for the rare path of non-ASCII hosts: a UTS 46 mapping, then RFC 3492 Punycode per label.
    ///
    /// Of UTS 46 §4 (processing) this applies, with Foundation alone: the compatibility mapping (NFKC: fullwidth
    /// `ｅｘａｍｐｌｅ` → `example`, ligatures, circled and superscript letters), case folding by lowercasing
    /// (then NFKC again, as lowercasing may denormalise), and the ideographic and fullwidth full stops (U+3002,
    /// U+FF0E, U+FF61) as label separators. It leaves out the IDNA mapping table's own deviations (`ß`, final
    /// sigma and ZWJ/ZWNJ are kept, as nontransitional processing does), its disallowed code points (left to
    /// Punycode, so such a host still gets a stable identity) and the Bidi and ContextJ checks, none of which
    /// changes which of two hosts are the same.
    private static func idnaHost(_ b: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var decoded: [UInt8] = []
        var j = 0
        while j < b.count {
            if b[j] == percent {
                guard j + 2 < b.count, let hi = hexValue(b[j + 1]), let lo = hexValue(b[j + 2]) else { return nil }
                decoded.append(hi << 4 | lo)
                j += 3
            } else {
                decoded.append(b[j])
                j += 1
            }
        }
        guard let text = String(validating: decoded, as: UTF8.self) else { return nil }
        var mapped = text.precomposedStringWithCompatibilityMapping.lowercased()
            .precomposedStringWithCompatibilityMapping
        for ideographicDot in ["\u{3002}", "\u{FF0E}", "\u{FF61}"] {
            mapped = mapped.replacingOccurrences(of: ideographicDot, with: ".")
        }
        var out: [UInt8] = []
        for (index, label) in mapped.split(separator: ".", omittingEmptySubsequences: false).enumerated() {
            if index > 0 { out.append(dot) }
            if label.utf8.allSatisfy({ $0 < 0x80 }) {
                for c in label.utf8 {
                    let ok =
                        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
                        || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-")
                        || c == UInt8(ascii: "_")
                    guard ok else { return nil }
                }
                out.append(contentsOf: label.utf8)
                continue
            }
            for scalar in label.unicodeScalars where scalar.value < 0x80 {
                let c = UInt8(scalar.value)
                let ok =
                    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
                    || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-")
                guard ok else { return nil }
            }
            for scalar in label.unicodeScalars where scalar.properties.isWhitespace || scalar.value < 0x20 {
                return nil
            }
            guard let puny = Punycode.encode(Array(label.unicodeScalars)) else { return nil }
            out.append(contentsOf: "xn--".utf8)
            out.append(contentsOf: puny.utf8)
        }
        return out
    }

    // MARK: - Path and query

    /// Normalises `b[from..<to]` (empty or starting with `/`) into `/` or `/a/b`.
    static func normalizePath(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String {
        guard to - from > 1 else { return "/" }
        var out: [UInt8] = []
        out.reserveCapacity(to - from + 8)
        appendNormalized(b, from, to, into: &out, isPath: true)
        if hasDotSegment(out) { out = removingDotSegments(out) }
        while out.count > 1, out.last == slash { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }

    private static func parseQuery(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> [QueryItem] {
        var items: [QueryItem] = []
        var pieceStart = from
        var buffer: [UInt8] = []
        for j in from...to where j == to || b[j] == UInt8(ascii: "&") {
            if j > pieceStart {
                var eq = pieceStart
                while eq < j, b[eq] != UInt8(ascii: "=") { eq += 1 }
                buffer.removeAll(keepingCapacity: true)
                appendNormalized(b, pieceStart, eq, into: &buffer, isPath: false)
                let name = String(decoding: buffer, as: UTF8.self)
                var value: String?
                if eq < j {
                    buffer.removeAll(keepingCapacity: true)
                    appendNormalized(b, eq + 1, j, into: &buffer, isPath: false)
                    value = String(decoding: buffer, as: UTF8.self)
                }
                items.append(QueryItem(name: name, value: value))
            }
            pieceStart = j + 1
        }
        return items
    }

    /// Decodes escaped unreserved characters, uppercases the hex of other escapes, escapes what may not stand raw.
    @inline(__always)
    private static func appendNormalized(
        _ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, into out: inout [UInt8], isPath: Bool
    ) {
        var j = from
        while j < to {
            let c = b[j]
            if c == percent {
                if j + 2 < to, let hi = hexValue(b[j + 1]), let lo = hexValue(b[j + 2]) {
                    let v = hi << 4 | lo
                    if isUnreserved(v) {
                        out.append(v)
                    } else {
                        out.append(percent)
                        out.append(Hex.digit(hi, uppercase: true))
                        out.append(Hex.digit(lo, uppercase: true))
                    }
                    j += 3
                } else {
                    out.append(contentsOf: [percent, UInt8(ascii: "2"), UInt8(ascii: "5")])
                    j += 1
                }
                continue
            }
            if isUnreserved(c) || isAllowedReserved(c) {
                out.append(c)
            } else if isPath && c == backslash {
                out.append(slash)
            } else {
                out.append(percent)
                Hex.append(c, to: &out, uppercase: true)
            }
            j += 1
        }
    }

    private static func hasDotSegment(_ p: [UInt8]) -> Bool {
        var j = 0
        while j < p.count {
            if p[j] == dot, j > 0, p[j - 1] == slash {
                let next = j + 1 < p.count ? p[j + 1] : slash
                if next == slash { return true }
                if next == dot, j + 2 >= p.count || p[j + 2] == slash { return true }
            }
            j += 1
        }
        return false
    }

    /// RFC 3986 §5.2.4 on a path that starts with `/`.
    private static func removingDotSegments(_ p: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(p.count)
        var starts: [Int] = []
        var segStart = 1
        for j in 1...p.count where j == p.count || p[j] == slash {
            let length = j - segStart
            if length == 1, p[segStart] == dot {
                // "." : skip
            } else if length == 2, p[segStart] == dot, p[segStart + 1] == dot {
                if let last = starts.popLast() { out.removeSubrange(last...) }
            } else {
                starts.append(out.count)
                out.append(slash)
                out.append(contentsOf: p[segStart..<j])
            }
            segStart = j + 1
        }
        if out.isEmpty { out.append(slash) }
        return out
    }

    /// Fully percent-decodes a normalised component (for URLs carried inside a parameter).
    static func percentDecoded(_ s: String) -> String {
        guard s.utf8.contains(percent) else { return s }
        var out: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            if c == percent, it.count >= 2, let hi = hexValue(it[it.startIndex]),
                let lo = hexValue(it[it.startIndex + 1])
            {
                out.append(hi << 4 | lo)
                it = it.dropFirst(2)
            } else {
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
