/// Reduces an HTML mail body to readable text and the link targets it carries; a hand-written linear scanner, since
/// hostile HTML must never make intake slow.
public enum HTMLText {
    /// The visible text of `html` (blocks on their own lines, whitespace collapsed, entities decoded) and every
    /// `href`/`src` target in document order.
    public static func reduce(_ html: String) -> (text: String, links: [String]) {
        var scanner = Scanner(Array(html.utf8))
        scanner.run()
        return (String(decoding: scanner.out, as: UTF8.self), scanner.links)
    }

    /// Decodes character references (`&eacute;`, `&#39;`, `&#x2F;`) in `text`.
    public static func decodeEntities(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        return String(decoding: decodeEntities(Array(text.utf8)[...]), as: UTF8.self)
    }

    static func decodeEntities(_ b: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = b.startIndex
        while i < b.endIndex {
            if b[i] == UInt8(ascii: "&"), let (scalar, next) = entity(b, at: i) {
                appendUTF8(scalar, to: &out)
                i = next
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return out
    }

    /// Parses a character reference at `start` (which holds `&`); returns the scalar and the index after it.
    static func entity(_ b: ArraySlice<UInt8>, at start: Int) -> (UInt32, Int)? {
        var i = start + 1
        guard i < b.endIndex else { return nil }
        if b[i] == UInt8(ascii: "#") {
            i += 1
            var hex = false
            if i < b.endIndex, b[i] | 0x20 == UInt8(ascii: "x") {
                hex = true
                i += 1
            }
            var value: UInt32 = 0
            let digitsStart = i
            while i < b.endIndex, i - digitsStart < 8 {
                let c = b[i]
                if c >= 0x30 && c <= 0x39 {
                    value = value * (hex ? 16 : 10) + UInt32(c - 0x30)
                } else if hex, let h = RFC2047.hexValue(c) {
                    value = value * 16 + UInt32(h)
                } else {
                    break
                }
                i += 1
            }
            guard i > digitsStart else { return nil }
            if i < b.endIndex, b[i] == UInt8(ascii: ";") { i += 1 }
            let valid = value != 0 && value <= 0x10FFFF && !(0xD800...0xDFFF).contains(value)
            return (valid ? value : 0xFFFD, i)
        }
        let nameStart = i
        while i < b.endIndex, i - nameStart < 10, isAlnum(b[i]) { i += 1 }
        guard i > nameStart, i < b.endIndex, b[i] == UInt8(ascii: ";") else { return nil }
        let name = String(decoding: b[nameStart..<i], as: UTF8.self)
        guard let scalar = entities[name] else { return nil }
        return (scalar, i + 1)
    }

    static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A)
    }

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// Elements that end a line; the value is how many line breaks they make (2 = a blank line between paragraphs).
    static let blocks: [String: Int] = [
        "p": 2, "h1": 2, "h2": 2, "h3": 2, "h4": 2, "h5": 2, "h6": 2, "blockquote": 2, "table": 2, "pre": 2,
        "div": 1, "li": 1, "tr": 1, "ul": 1, "ol": 1, "dl": 1, "dt": 1, "dd": 1, "hr": 1, "section": 1,
        "article": 1, "header": 1, "footer": 1, "address": 1, "center": 1, "form": 1, "body": 1, "html": 1,
    ]

    /// Elements whose content is never shown.
    static let hidden: Set<String> = ["script", "style", "head", "title", "template", "xml"]

    static let entities: [String: UInt32] = [
        "amp": 0x26, "lt": 0x3C, "gt": 0x3E, "quot": 0x22, "apos": 0x27, "nbsp": 0xA0,
        "eacute": 0xE9, "egrave": 0xE8, "ecirc": 0xEA, "euml": 0xEB, "agrave": 0xE0, "aacute": 0xE1,
        "acirc": 0xE2, "auml": 0xE4, "atilde": 0xE3, "aring": 0xE5, "aelig": 0xE6, "ccedil": 0xE7,
        "igrave": 0xEC, "iacute": 0xED, "icirc": 0xEE, "iuml": 0xEF, "ntilde": 0xF1,
        "ograve": 0xF2, "oacute": 0xF3, "ocirc": 0xF4, "otilde": 0xF5, "ouml": 0xF6, "oslash": 0xF8,
        "ugrave": 0xF9, "uacute": 0xFA, "ucirc": 0xFB, "uuml": 0xFC, "yacute": 0xFD, "yuml": 0xFF, "szlig": 0xDF,
        "Eacute": 0xC9, "Egrave": 0xC8, "Ecirc": 0xCA, "Euml": 0xCB, "Agrave": 0xC0, "Aacute": 0xC1,
        "Acirc": 0xC2, "Auml": 0xC4, "Ccedil": 0xC7, "Icirc": 0xCE, "Iuml": 0xCF, "Ocirc": 0xD4, "Ouml": 0xD6,
        "Ugrave": 0xD9, "Ucirc": 0xDB, "Uuml": 0xDC, "Ntilde": 0xD1,
        "oelig": 0x153, "OElig": 0x152, "Yuml": 0x178,
        "laquo": 0xAB, "raquo": 0xBB, "lsquo": 0x2018, "rsquo": 0x2019, "sbquo": 0x201A, "ldquo": 0x201C,
        "rdquo": 0x201D, "bdquo": 0x201E, "hellip": 0x2026, "ndash": 0x2013, "mdash": 0x2014, "bull": 0x2022,
        "middot": 0xB7, "euro": 0x20AC, "pound": 0xA3, "yen": 0xA5, "cent": 0xA2, "copy": 0xA9, "reg": 0xAE,
        "trade": 0x2122, "deg": 0xB0, "plusmn": 0xB1, "times": 0xD7, "divide": 0xF7, "sect": 0xA7, "para": 0xB6,
        "iexcl": 0xA1, "iquest": 0xBF, "shy": 0xAD, "ensp": 0x2002, "emsp": 0x2003, "thinsp": 0x2009,
        "zwnj": 0x200C, "zwj": 0x200D, "lrm": 0x200E, "rlm": 0x200F, "ordf": 0xAA, "ordm": 0xBA,
        "sup1": 0xB9, "sup2": 0xB2, "sup3": 0xB3, "frac12": 0xBD, "frac14": 0xBC, "frac34": 0xBE,
        "larr": 0x2190, "rarr": 0x2192, "uarr": 0x2191, "darr": 0x2193, "hearts": 0x2665,
        "sol": 0x2F, "colon": 0x3A, "period": 0x2E, "comma": 0x2C, "lpar": 0x28, "rpar": 0x29,
        "num": 0x23, "quest": 0x3F, "excl": 0x21, "equals": 0x3D, "commat": 0x40, "percnt": 0x25,
    ]

    struct Scanner {
        let b: [UInt8]
        var i = 0
        var out: [UInt8] = []
        var links: [String] = []
        var pendingSpace = false
        var pendingBreaks = 0
        /// Element names whose closing tag is known to be absent from here on (keeps the scan linear).
        var missingClose: Set<String> = []

        init(_ bytes: [UInt8]) {
            b = bytes
            out.reserveCapacity(bytes.count / 2)
        }

        mutating func run() {
            let n = b.count
            while i < n {
                let c = b[i]
                if c == UInt8(ascii: "<"), i + 1 < n, isTagStart(b[i + 1]) {
                    tag()
                } else if c == UInt8(ascii: "&"), let (scalar, next) = HTMLText.entity(b[...], at: i) {
                    if scalar == 0xA0 || scalar == 0x2002 || scalar == 0x2003 || scalar == 0x2009 {
                        pendingSpace = true
                    } else if scalar != 0xAD && scalar != 0x200C && scalar != 0x200D {
                        flushPending()
                        HTMLText.appendUTF8(scalar, to: &out)
                    }
                    i = next
                } else if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0C {
                    pendingSpace = true
                    i += 1
                } else {
                    flushPending()
                    out.append(c)
                    i += 1
                }
            }
        }

        func isTagStart(_ c: UInt8) -> Bool {
            c == UInt8(ascii: "/") || c == UInt8(ascii: "!") || c == UInt8(ascii: "?")
                || (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A
        }

        mutating func flushPending() {
            if !out.isEmpty {
                if pendingBreaks > 0 {
                    out += repeatElement(0x0A, count: min(pendingBreaks, 2))
                } else if pendingSpace && out.last != 0x0A {
                    out.append(0x20)
                }
            }
            pendingBreaks = 0
            pendingSpace = false
        }

        mutating func lineBreak(_ count: Int, accumulate: Bool = false) {
            pendingBreaks = accumulate ? min(pendingBreaks + count, 2) : max(pendingBreaks, count)
            pendingSpace = false
        }

        /// Index of `needle` at or after `from`, or nil.
        func find(_ needle: [UInt8], from: Int, caseInsensitive: Bool) -> Int? {
            let n = b.count
            guard !needle.isEmpty, n >= needle.count else { return nil }
            var j = from
            let first = needle[0]
            while j + needle.count <= n {
                let c = caseInsensitive ? b[j] | 0x20 : b[j]
                if c == first {
                    var k = 1
                    while k < needle.count {
                        let d = caseInsensitive ? b[j + k] | 0x20 : b[j + k]
                        if d != needle[k] { break }
                        k += 1
                    }
                    if k == needle.count { return j }
                }
                j += 1
            }
            return nil
        }

        mutating func tag() {
            let n = b.count
            let next = b[i + 1]
            if next == UInt8(ascii: "!") {
                if i + 3 < n, b[i + 2] == UInt8(ascii: "-"), b[i + 3] == UInt8(ascii: "-") {
                    if let end = find(Array("-->".utf8), from: i + 4, caseInsensitive: false) {
                        i = end + 3
                    } else {
                        i = n
                    }
                    return
                }
                skipTo(UInt8(ascii: ">"))
                return
            }
            if next == UInt8(ascii: "?") {
                skipTo(UInt8(ascii: ">"))
                return
            }
            var j = i + 1
            let closing = b[j] == UInt8(ascii: "/")
            if closing { j += 1 }
            let nameStart = j
            while j < n, HTMLText.isAlnum(b[j]) || b[j] == UInt8(ascii: ":") || b[j] == UInt8(ascii: "-") { j += 1 }
            let name = String(decoding: b[nameStart..<j].map { $0 | 0x20 }, as: UTF8.self)
            let collect = !closing && name != "script" && name != "style"
            j = attributes(from: j, collect: collect)
            i = j

            if let breaks = HTMLText.blocks[name] {
                lineBreak(breaks)
            } else if name == "br" {
                lineBreak(1, accumulate: true)
            } else if name == "td" || name == "th" {
                pendingSpace = true
            }
            if !closing, HTMLText.hidden.contains(name), !missingClose.contains(name) {
                if let end = find(Array("</\(name)".utf8), from: i, caseInsensitive: true) {
                    i = end
                } else {
                    missingClose.insert(name)
                    // An unclosed <head> is common in broken mail: keep its content rather than lose the body.
                    if name != "head" { i = n }
                }
            }
        }

        mutating func skipTo(_ byte: UInt8) {
            while i < b.count, b[i] != byte { i += 1 }
            i = min(i + 1, b.count)
        }

        /// Reads attributes up to the end of the tag; returns the index after `>`.
        mutating func attributes(from start: Int, collect: Bool) -> Int {
            let n = b.count
            var j = start
            while j < n {
                let c = b[j]
                if c == UInt8(ascii: ">") { return j + 1 }
                if c <= 0x20 || c == UInt8(ascii: "/") {
                    j += 1
                    continue
                }
                let nameStart = j
                while j < n, b[j] != UInt8(ascii: "="), b[j] != UInt8(ascii: ">"), b[j] > 0x20,
                    b[j] != UInt8(ascii: "/")
                {
                    j += 1
                }
                let attr = b[nameStart..<j]
                while j < n, b[j] <= 0x20 { j += 1 }
                // Every path below consumes at least one byte, or the name loop above did.
                guard j < n, b[j] == UInt8(ascii: "=") else { continue }
                j += 1
                while j < n, b[j] <= 0x20 { j += 1 }
                guard j < n else { break }
                var valueStart = j
                var valueEnd: Int
                if b[j] == UInt8(ascii: "\"") || b[j] == UInt8(ascii: "'") {
                    let quote = b[j]
                    valueStart = j + 1
                    j = valueStart
                    while j < n, b[j] != quote { j += 1 }
                    valueEnd = j
                    if j < n { j += 1 }
                } else {
                    while j < n, b[j] > 0x20, b[j] != UInt8(ascii: ">") { j += 1 }
                    valueEnd = j
                }
                if collect, isLinkAttribute(attr) {
                    let value = HTMLText.decodeEntities(b[valueStart..<valueEnd])
                    let link = String(decoding: value, as: UTF8.self).trimmingWhitespace()
                    if !link.isEmpty { links.append(link) }
                }
            }
            return n
        }

        func isLinkAttribute(_ attr: ArraySlice<UInt8>) -> Bool {
            let lower = attr.map { $0 | 0x20 }
            return lower == Array("href".utf8) || lower == Array("src".utf8)
        }
    }
}

extension String {
    /// Trims ASCII whitespace and line breaks without Foundation's CharacterSet machinery.
    func trimmingWhitespace() -> String {
        let u = Array(utf8)
        var start = 0
        var end = u.count
        while start < end, u[start] == 0x20 || u[start] == 0x09 || u[start] == 0x0A || u[start] == 0x0D { start += 1 }
        while end > start, u[end - 1] == 0x20 || u[end - 1] == 0x09 || u[end - 1] == 0x0A || u[end - 1] == 0x0D {
            end -= 1
        }
        if start == 0 && end == u.count { return self }
        return String(decoding: u[start..<end], as: UTF8.self)
    }
}
