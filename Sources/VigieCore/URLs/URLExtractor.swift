import Foundation

/// Finds the web addresses a citizen pointed at in a report: written out, defanged, bare (`exemple.fr/page`),
/// wrapped across lines by a mail client, or given as HTML links; the institution's own hosts are left out.
public struct URLExtractor: Sendable {
    /// Lowercased hosts (without a leading dot) whose links, and their subdomains', are not reports.
    public let ignoredHosts: [String]

    /// `ignoredHosts` are compared case-insensitively; `ville.fr` also ignores `www.ville.fr`.
    public init(ignoredHosts: [String] = []) {
        self.ignoredHosts = ignoredHosts.map { host in
            var host = host.lowercased().trimmingCharacters(in: .whitespaces)
            while host.hasPrefix(".") { host.removeFirst() }
            while host.hasSuffix(".") { host.removeLast() }
            return host
        }.filter { !$0.isEmpty }
    }

    /// The distinct `http(s)://` URLs found in `text`, then in `links` (HTML hrefs), in first-seen order; the scheme
    /// is lowercased, bare and `www.` forms get `https://`, the rest is kept as written.
    public func extract(text: String, links: [String] = []) -> [String] {
        var found: [String] = []
        var seen: Set<String> = []
        func add(_ url: String) {
            guard seen.insert(url).inserted, !isIgnored(url) else { return }
            found.append(url)
        }
        var text = text
        text.withUTF8 { buffer in
            if let refanged = Refang.refang(buffer) {
                refanged.withUnsafeBufferPointer { URLScanner(bytes: $0).scan(add) }
            } else {
                URLScanner(bytes: buffer).scan(add)
            }
        }
        for link in links {
            if let url = Self.normalizedLink(link) { add(url) }
        }
        return found
    }

    /// An HTML link kept only when it is an absolute http(s) URL with a host; its scheme lowercased.
    static func normalizedLink(_ link: String) -> String? {
        let trimmed = link.trimmingBlankEnds()
        let lower = trimmed.prefix(8).lowercased()
        let schemeLength: Int
        if lower.hasPrefix("https://") {
            schemeLength = 8
        } else if lower.hasPrefix("http://") {
            schemeLength = 7
        } else {
            return nil
        }
        let rest = trimmed.dropFirst(schemeLength)
        guard !rest.contains(where: { $0.isWhitespace }) else { return nil }
        let url = String(lower.prefix(schemeLength)) + rest
        guard let host = Self.host(of: url), host.contains(".") || host.hasPrefix("[") else { return nil }
        return url
    }

    /// The lowercased host of an absolute URL, without user info, port or trailing dot.
    public static func host(of url: String) -> String? {
        let bytes = Array(url.utf8)[...]
        guard
            let separator = bytes.indices.first(where: { i in
                i + 2 < bytes.endIndex && bytes[i] == UInt8(ascii: ":") && bytes[i + 1] == UInt8(ascii: "/")
                    && bytes[i + 2] == UInt8(ascii: "/")
            })
        else { return nil }
        let host = Self.host(inAuthorityAt: bytes[(separator + 3)...])
        return host.isEmpty ? nil : String(decoding: host, as: UTF8.self).lowercased()
    }

    /// The host bytes of the authority that starts `rest` (up to `/`, `?` or `#`): no user info, port or final dot.
    static func host<Bytes: BidirectionalCollection>(inAuthorityAt rest: Bytes) -> Bytes
    where Bytes.Element == UInt8, Bytes.SubSequence == Bytes {
        var host = rest.prefix { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }
        if let at = host.lastIndex(of: UInt8(ascii: "@")) { host = host[host.index(after: at)...] }
        if host.first == UInt8(ascii: "[") {
            guard let close = host.firstIndex(of: UInt8(ascii: "]")) else {
                return host[host.startIndex..<host.startIndex]
            }
            return host[...close]
        }
        if let colon = host.firstIndex(of: UInt8(ascii: ":")) { host = host[..<colon] }
        while host.last == UInt8(ascii: ".") { host = host.dropLast() }
        return host
    }

    private func isIgnored(_ url: String) -> Bool {
        guard !ignoredHosts.isEmpty, let host = Self.host(of: url) else { return false }
        return ignoredHosts.contains { host == $0 || host.hasSuffix("." + $0) }
    }

    /// Top-level domains for which a bare `name.tld` without a path is taken for a link.
    static let knownTLDs: Set<String> = [
        "com", "fr", "net", "org", "be", "ch", "de", "uk", "io", "co", "me", "tv", "ly", "gl", "gg", "ru", "info", "eu",
        "app", "dev", "xyz", "it", "es", "nl", "lu", "ca", "us", "ma", "dz", "tn", "sn", "ci", "cm", "re", "pl", "pt",
        "br", "jp", "cn", "au", "dk", "fi", "ie", "gr", "ro", "cz", "hu", "tr", "il", "ua", "su", "by", "kz",
        "biz", "tk", "cc", "ws", "fm", "ai", "gov", "edu", "int", "news", "site", "online", "blog", "live", "social",
        "media", "link", "club", "top", "tech", "page", "space", "website", "art", "shop", "store", "video", "wiki",
        "network", "today", "world", "press", "chat", "lol", "wtf", "bzh", "paris", "eus", "corsica", "quebec",
    ]

    /// File extensions that look like top-level domains: `rapport.pdf/` or `main.py/x` are not links.
    static let fileExtensions: Set<String> = [
        "txt", "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "csv", "jpg", "jpeg",
        "png", "gif", "webp", "svg", "bmp", "heic", "mp3", "mp4", "mov", "avi", "mkv", "wav", "zip", "rar", "gz", "tar",
        "exe", "dll", "html", "htm", "php", "js", "json", "xml", "py", "rb", "java", "swift", "md", "sh", "log", "ini",
        "cfg", "conf", "yml", "yaml", "toml", "eml", "msg",
    ]
}

/// One pass over a text's UTF-8 bytes; linear in the text's length.
private struct URLScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var n: Int { bytes.count }

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func byte(_ i: Int) -> UInt8? { i >= 0 && i < bytes.count ? bytes[i] : nil }

    // MARK: Character classes

    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A)
    }

    static func isAlpha(_ b: UInt8) -> Bool { b | 0x20 >= 0x61 && b | 0x20 <= 0x7A }

    /// The length of a character that ends a URL (white space, quotes, guillemets, angle brackets…) at `i`, or 0.
    func stopLength(at i: Int) -> Int {
        let b = bytes[i]
        if b < 0x80 {
            switch b {
            case 0...0x20, 0x7F, UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "`"):
                return 1
            default:
                return 0
            }
        }
        guard i + 1 < n else { return 0 }
        let b1 = bytes[i + 1]
        if b == 0xC2 {
            // NO-BREAK SPACE, « and ».
            return b1 == 0xA0 || b1 == 0xAB || b1 == 0xBB ? 2 : 0
        }
        guard i + 2 < n else { return 0 }
        let b2 = bytes[i + 2]
        if b == 0xE2 && b1 == 0x80 {
            // U+2000…U+200B spaces, ‘ ’ ‚ “ ” „, …, U+202F, ‹ ›.
            switch b2 {
            case 0x80...0x8B, 0x98...0x9E, 0xA6, 0xA8, 0xA9, 0xAF, 0xB9, 0xBA: return 3
            default: return 0
            }
        }
        if b == 0xE2 && b1 == 0x81 && b2 == 0x9F { return 3 }  // MEDIUM MATHEMATICAL SPACE
        if b == 0xE3 && b1 == 0x80 && b2 == 0x80 { return 3 }  // IDEOGRAPHIC SPACE
        if b == 0xEF && b1 == 0xBB && b2 == 0xBF { return 3 }  // ZERO WIDTH NO-BREAK SPACE
        return 0
    }

    /// True when a word may start at `i`: after white space, an opening quote or bracket, or `:,;=`.
    func isWordStart(_ i: Int) -> Bool {
        guard i > 0 else { return true }
        let p = bytes[i - 1]
        if p < 0x80 {
            switch p {
            case 0...0x20, UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "<"),
                UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "`"), UInt8(ascii: "|"),
                UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: ">"),
                UInt8(ascii: "!"), UInt8(ascii: "?"):
                return true
            default:
                return false
            }
        }
        // A multi-byte stop character ending right before `i`.
        for length in 2...3 where i - length >= 0 && stopLength(at: i - length) == length { return true }
        return false
    }

    /// A byte that can be part of a host label: ASCII letters, digits, `-`, `_`, and non-ASCII letters.
    func isHostByte(at i: Int) -> Bool {
        let b = bytes[i]
        if b < 0x80 { return Self.isAlnum(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") }
        if b & 0xC0 == 0x80 { return true }
        return stopLength(at: i) == 0
    }

    // MARK: Scan

    func scan(_ emit: (String) -> Void) {
        var i = 0
        var lastEnd = 0
        while i < n {
            let b = bytes[i]
            if b == UInt8(ascii: ":") {
                if i + 2 < n && bytes[i + 1] == UInt8(ascii: "/") && bytes[i + 2] == UInt8(ascii: "/") {
                    if let start = schemeStart(beforeColon: i), start >= lastEnd,
                        let (end, url) = explicitURL(start: start, colon: i)
                    {
                        emit(url)
                        i = end
                        lastEnd = end
                        continue
                    }
                    i += 3
                    continue
                }
            } else if Self.isAlnum(b) && isWordStart(i) {
                // Most words of a report are prose: a run of ASCII label bytes ended by an ASCII byte other than
                // `.` is a single label, which `hostURL` would turn down after the same walk.
                var j = i + 1
                while j < n, Self.isAlnum(bytes[j]) || bytes[j] == UInt8(ascii: "-") || bytes[j] == UInt8(ascii: "_") {
                    j += 1
                }
                if j == n || (bytes[j] < 0x80 && bytes[j] != UInt8(ascii: ".")) {
                    i = j
                    continue
                }
                let (end, url) = hostURL(start: i)
                if let url {
                    emit(url)
                    lastEnd = end
                }
                i = max(end, i + 1)
                continue
            }
            i += 1
        }
    }

    /// Where `http` or `https` starts right before the colon of `://`.
    func schemeStart(beforeColon colon: Int) -> Int? {
        func isAt(_ start: Int, _ word: StaticString) -> Bool {
            guard start >= 0 else { return false }
            return word.withUTF8Buffer { w in
                for k in 0..<w.count where bytes[start + k] | 0x20 != w[k] { return false }
                return true
            }
        }
        if isAt(colon - 5, "https") { return colon - 5 }
        if isAt(colon - 4, "http") { return colon - 4 }
        return nil
    }

    /// A URL written with its scheme: `https://host/path`, possibly wrapped over lines.
    func explicitURL(start: Int, colon: Int) -> (Int, String)? {
        let authorityStart = colon + 3
        guard authorityStart < n, stopLength(at: authorityStart) == 0 else { return nil }
        // Check the host before scanning the rest, so that a run of `https://https://…` stays linear.
        var authorityEnd = authorityStart
        while authorityEnd < n && stopLength(at: authorityEnd) == 0 {
            let b = bytes[authorityEnd]
            if b == UInt8(ascii: "/") || b == UInt8(ascii: "?") || b == UInt8(ascii: "#") { break }
            authorityEnd += 1
        }
        let authority = bytes[authorityStart..<authorityEnd]
        let bracketed = authority.first == UInt8(ascii: "[")
        var trimmedAuthority = authority
        while let last = trimmedAuthority.last,
            Self.isTrailingPunctuation(last) || last == UInt8(ascii: ")") || last == UInt8(ascii: "}")
                || (last == UInt8(ascii: "]") && !bracketed)
        {
            trimmedAuthority = trimmedAuthority.dropLast()
        }
        guard Self.isValidHost(URLExtractor.host(inAuthorityAt: trimmedAuthority)) else { return nil }
        let (parts, end) = extent(start: start, from: authorityStart)
        // The scheme is lowercased; the rest is kept as written.
        var url = Array(bytes[start..<authorityStart]).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        for part in parts { url.append(contentsOf: bytes[part]) }
        guard let trimmed = trimTrailing(url, keep: colon - start + 4) else { return nil }
        guard Self.isValidHost(URLExtractor.host(inAuthorityAt: trimmed[(trimmed.startIndex + colon - start + 3)...]))
        else { return nil }
        return (end, String(decoding: trimmed, as: UTF8.self))
    }

    /// A bracketed IP literal, or at least two non-empty labels of letters, digits, `-`, `_`, `%` or non-ASCII.
    static func isValidHost<Bytes: BidirectionalCollection<UInt8>>(_ host: Bytes) -> Bool {
        if host.first == UInt8(ascii: "[") { return host.count > 2 && host.last == UInt8(ascii: "]") }
        var labels = 1
        var labelLength = 0
        for b in host {
            if b == UInt8(ascii: ".") {
                guard labelLength > 0 else { return false }
                labels += 1
                labelLength = 0
            } else if isAlnum(b) || b >= 0x80 || b == 0x2D || b == 0x5F || b == 0x25 {
                labelLength += 1
            } else {
                return false
            }
        }
        return labels >= 2 && labelLength > 0
    }

    /// A URL written without a scheme: `www.exemple.fr`, or `exemple.fr/page`, or `exemple.fr` for known TLDs.
    /// Returns where scanning may resume and the URL, if this is one.
    func hostURL(start: Int) -> (Int, String?) {
        var j = start
        var labelCount = 0
        var lastLabel = start..<start
        while true {
            let labelStart = j
            while j < n && isHostByte(at: j) { j += 1 }
            guard j > labelStart else { break }
            labelCount += 1
            lastLabel = labelStart..<j
            guard j + 1 < n, bytes[j] == UInt8(ascii: "."), isHostByte(at: j + 1) else { break }
            j += 1
        }
        let hostEnd = j
        guard labelCount >= 2 else { return (hostEnd, nil) }
        let isWWW =
            hostEnd - start > 4 && (bytes[start] | 0x20) == UInt8(ascii: "w")
            && (bytes[start + 1] | 0x20) == UInt8(ascii: "w") && (bytes[start + 2] | 0x20) == UInt8(ascii: "w")
            && bytes[start + 3] == UInt8(ascii: ".")
        if isWWW && labelCount < 3 { return (hostEnd, nil) }
        // The top-level domain: letters only (or an IDN `xn--` label).
        let tld = String(decoding: bytes[lastLabel], as: UTF8.self).lowercased()
        guard tld.count >= 2, tld.hasPrefix("xn--") || tld.utf8.allSatisfy(Self.isAlpha) else {
            return (hostEnd, nil)
        }
        var k = hostEnd
        // A port.
        if k < n && bytes[k] == UInt8(ascii: ":") {
            var d = k + 1
            while d < n && bytes[d] >= 0x30 && bytes[d] <= 0x39 && d - k <= 5 { d += 1 }
            if d > k + 1 && (d == n || !isHostByte(at: d)) { k = d }
        }
        // An e-mail address is not a link.
        if k < n && bytes[k] == UInt8(ascii: "@") { return (k, nil) }
        let hasPath =
            k < n && (bytes[k] == UInt8(ascii: "/") || bytes[k] == UInt8(ascii: "?") || bytes[k] == UInt8(ascii: "#"))
        if isWWW {
            // Any top-level domain will do after www.
        } else if hasPath {
            guard !URLExtractor.fileExtensions.contains(tld) else { return (hostEnd, nil) }
        } else {
            // "soir.De plus" is a missing space, not a link: a bare domain's TLD is all lowercase or all capitals.
            let tldBytes = bytes[lastLabel]
            let uniformCase = tldBytes.allSatisfy { $0 >= 0x61 } || tldBytes.allSatisfy { $0 < 0x61 }
            guard uniformCase, URLExtractor.knownTLDs.contains(tld) else { return (hostEnd, nil) }
        }
        var url = Array("https://".utf8)
        var end = k
        if hasPath {
            let (parts, extentEnd) = extent(start: start, from: k)
            url.append(contentsOf: bytes[start..<k])
            for part in parts { url.append(contentsOf: bytes[part]) }
            end = extentEnd
            if end < n && bytes[end] == UInt8(ascii: "@") { return (end, nil) }
        } else {
            url.append(contentsOf: bytes[start..<k])
        }
        guard let trimmed = trimTrailing(url, keep: 8 + (hostEnd - start)) else { return (end, nil) }
        return (end, String(decoding: trimmed, as: UTF8.self))
    }

    // MARK: Extent, line joins, trailing punctuation

    /// The pieces of a URL from `from` to its end: one piece, or several when the mail client wrapped it.
    /// Returns the pieces (byte ranges) and the offset where scanning resumes.
    func extent(start: Int, from: Int) -> ([Range<Int>], Int) {
        var parens = 0
        var brackets = 0
        var braces = 0
        /// Scans URL bytes from `p`; stops at white space, a stop character, or an unbalanced closer.
        func run(_ p: Int) -> Int {
            var p = p
            while p < n {
                if stopLength(at: p) > 0 { break }
                switch bytes[p] {
                case UInt8(ascii: "("): parens += 1
                case UInt8(ascii: ")"):
                    if parens == 0 { return p }
                    parens -= 1
                case UInt8(ascii: "["): brackets += 1
                case UInt8(ascii: "]"):
                    if brackets == 0 { return p }
                    brackets -= 1
                case UInt8(ascii: "{"): braces += 1
                case UInt8(ascii: "}"):
                    if braces == 0 { return p }
                    braces -= 1
                default: break
                }
                p += 1
            }
            return p
        }
        var pieceStart = from
        var end = run(from)
        var pieces: [Range<Int>] = []
        // Inside <...>, a URL may be cut anywhere and its lines indented (RFC 3986, appendix C).
        let inAngles = start > 0 && (bytes[start - 1] == UInt8(ascii: "<") || isAfterURLPrefix(start))
        var lines = 0
        while lines < 12, let next = newlineEnd(at: end) {
            lines += 1
            if inAngles {
                var q = next
                while q < n && (bytes[q] == 0x20 || bytes[q] == 0x09) { q += 1 }
                let saved = (parens, brackets, braces)
                let chunkEnd = run(q)
                guard chunkEnd > q,
                    chunkEnd == n || bytes[chunkEnd] == UInt8(ascii: ">") || newlineEnd(at: chunkEnd) != nil
                else {
                    (parens, brackets, braces) = saved
                    break
                }
                guard closesAngle(from: chunkEnd) else {
                    (parens, brackets, braces) = saved
                    break
                }
                pieces.append(pieceStart..<end)
                pieceStart = q
                end = chunkEnd
                continue
            }
            let saved = (parens, brackets, braces)
            let chunkEnd = run(next)
            guard chunkEnd > next, continues(pieceEnd: end, pieceStart: pieceStart, chunk: next..<chunkEnd) else {
                (parens, brackets, braces) = saved
                break
            }
            pieces.append(pieceStart..<end)
            pieceStart = next
            end = chunkEnd
        }
        pieces.append(pieceStart..<end)
        return (pieces, end)
    }

    /// `<URL:https://...>`.
    func isAfterURLPrefix(_ start: Int) -> Bool {
        guard start >= 5, bytes[start - 5] == UInt8(ascii: "<") else { return false }
        return bytes[start - 4] | 0x20 == UInt8(ascii: "u") && bytes[start - 3] | 0x20 == UInt8(ascii: "r")
            && bytes[start - 2] | 0x20 == UInt8(ascii: "l") && bytes[start - 1] == UInt8(ascii: ":")
    }

    /// True when the wrapped URL's pieces from `p` on end with `>` before any white space other than line breaks
    /// and indentation.
    func closesAngle(from p: Int) -> Bool {
        var p = p
        for _ in 0..<12 {
            if p >= n { return false }
            if bytes[p] == UInt8(ascii: ">") { return true }
            guard let next = newlineEnd(at: p) else { return false }
            p = next
            while p < n && (bytes[p] == 0x20 || bytes[p] == 0x09) { p += 1 }
            while p < n && stopLength(at: p) == 0 { p += 1 }
        }
        return false
    }

    /// The offset after a line break at `p` (LF or CRLF), or nil.
    func newlineEnd(at p: Int) -> Int? {
        guard p < n else { return nil }
        if bytes[p] == 0x0A { return p + 1 }
        if bytes[p] == 0x0D && p + 1 < n && bytes[p + 1] == 0x0A { return p + 2 }
        return nil
    }

    /// Whether the text at the start of the next line (`chunk`, up to white space) continues the URL that ends at
    /// `pieceEnd`: mail clients cut long lines after `/`, `?`, `&`, `=`, `-`, `_` or anywhere near column 76.
    func continues(pieceEnd: Int, pieceStart: Int, chunk: Range<Int>) -> Bool {
        let last = bytes[pieceEnd - 1]
        let chunkBytes = bytes[chunk]
        // A new URL on the next line is its own.
        if let first = chunkBytes.first,
            !Self.isAlnum(first) && first != UInt8(ascii: "%")
                && first != UInt8(ascii: "_") && first != UInt8(ascii: "-") && first != UInt8(ascii: "/")
                && first != UInt8(ascii: "?") && first != UInt8(ascii: "&") && first != UInt8(ascii: "=")
                && first != UInt8(ascii: "#") && first != UInt8(ascii: ".") && first < 0x80
        {
            return false
        }
        if startsWithURL(chunk.lowerBound) { return false }
        // Trailing punctuation means the sentence ended there.
        let endsLine = chunk.upperBound == n || newlineEnd(at: chunk.upperBound) != nil
        var hasStrongMark = false
        var hasDigit = false
        var hasUpper = false
        var hasHyphenOrDot = false
        var core = chunkBytes[...]
        while let c = core.last, Self.isTrailingPunctuation(c) { core = core.dropLast() }
        for c in core {
            switch c {
            case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "="), UInt8(ascii: "&"), UInt8(ascii: "%"),
                UInt8(ascii: "#"), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"):
                hasStrongMark = true
            case 0x30...0x39: hasDigit = true
            case 0x41...0x5A: hasUpper = true
            case UInt8(ascii: "-"), UInt8(ascii: "."): hasHyphenOrDot = true
            default: break
            }
        }
        guard !core.isEmpty else { return false }
        let looksLikeURLPart = hasStrongMark || (endsLine && (hasDigit || (hasHyphenOrDot && !hasUpper)))
        switch last {
        case UInt8(ascii: "?"), UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "%"), UInt8(ascii: "-"),
            UInt8(ascii: "_"), UInt8(ascii: "#"), UInt8(ascii: "+"):
            return true
        case UInt8(ascii: "/"):
            return looksLikeURLPart
        default:
            guard Self.isAlnum(last) || last >= 0x80 else { return false }
            return lineLength(endingAt: pieceEnd) >= 70 && looksLikeURLPart
        }
    }

    func startsWithURL(_ p: Int) -> Bool {
        func at(_ word: StaticString) -> Bool {
            word.withUTF8Buffer { w in
                guard p + w.count <= n else { return false }
                for k in 0..<w.count where bytes[p + k] | 0x20 != w[k] { return false }
                return true
            }
        }
        return at("http://") || at("https://") || at("www.")
    }

    /// The number of characters on the line that ends at `end`.
    func lineLength(endingAt end: Int) -> Int {
        var p = end
        var count = 0
        while p > 0 && bytes[p - 1] != 0x0A && end - p < 2000 {
            p -= 1
            if bytes[p] & 0xC0 != 0x80 { count += 1 }
        }
        return count
    }

    static func isTrailingPunctuation(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "!"),
            UInt8(ascii: "?"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "*"), UInt8(ascii: ">"):
            return true
        default:
            return false
        }
    }

    /// Drops sentence punctuation after a URL; closing brackets stay only when the URL opened them.
    /// Never trims below `keep` bytes; nil when the URL is shorter than that.
    func trimTrailing(_ url: [UInt8], keep: Int) -> ArraySlice<UInt8>? {
        var url = url[...]
        while url.count > keep, let last = url.last {
            if Self.isTrailingPunctuation(last) {
                url = url.dropLast()
            } else if last == UInt8(ascii: ")") || last == UInt8(ascii: "]") || last == UInt8(ascii: "}") {
                let open: UInt8 =
                    last == UInt8(ascii: ")")
                    ? UInt8(ascii: "(") : last == UInt8(ascii: "]") ? UInt8(ascii: "[") : UInt8(ascii: "{")
                let opens = url.reduce(0) { $0 + ($1 == open ? 1 : 0) }
                let closes = url.reduce(0) { $0 + ($1 == last ? 1 : 0) }
                guard closes > opens else { break }
                url = url.dropLast()
            } else {
                break
            }
        }
        return url.count >= keep ? url : nil
    }
}
