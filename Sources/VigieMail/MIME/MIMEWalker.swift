import CEtpan
import Foundation
import VigieCore

/// Walks libetpan's MIME tree of a message into text, links, attachments and forwarded messages, collecting
/// warnings instead of failing wherever something can still be read.
struct MIMEWalker {
    /// Parts nested deeper than this are ignored (a hostile message cannot make the walk unbounded).
    static let maxDepth = 20
    /// At most this many parts are examined in one message.
    static let maxParts = 5000
    /// libetpan parses nesting recursively; beyond this many Content-Type lines the input is cut so its C stack
    /// stays bounded.
    static let maxStructuralHeaders = 1000
    /// Past those limits the bytes are scanned as raw text for links, at most this many per message.
    static let maxRawScanBytes = 16 << 20

    private(set) var warnings: [String] = []
    private var warned: Set<String> = []
    private var partCount = 0
    /// Text read from bytes past a structural limit: links are extracted from it, it is not the report's text.
    private(set) var unstructured: [String] = []
    private var rawScanBudget = Self.maxRawScanBytes
    /// Keep each attachment's decoded bytes in `Collected.files` (evidence, notices); off for intake.
    var keepFiles = false

    /// What a subtree yields.
    struct Collected {
        var pieces: [(text: String, fromHTML: Bool)] = []
        var links: [String] = []
        var attachments: [AttachmentInfo] = []
        /// The attachments' bytes, when the walker keeps them.
        var files: [Attachment] = []
        /// Forwarded messages, each already rendered under its separator line.
        var forwarded: [String] = []
        var forwardedCount = 0

        var hasPlain: Bool { pieces.contains { !$0.fromHTML && !MIMEWalker.trimmed($0.text).isEmpty } }

        /// Body pieces, then forwarded messages, separated by blank lines.
        var text: String {
            var blocks: [String] = []
            for piece in pieces {
                let t = MIMEWalker.trimmed(piece.text)
                if !t.isEmpty { blocks.append(t) }
            }
            blocks += forwarded
            return blocks.joined(separator: "\n\n")
        }
    }

    /// One parsed message (the report itself or a forwarded one).
    struct Message {
        var headers: [RawHeaderField]
        var contentType: String
        var body: Collected
    }

    mutating func warn(_ message: String) {
        if warned.insert(message).inserted { warnings.append(message) }
    }

    /// Reads links out of bytes the structure walk gave up on, within the per-message budget.
    mutating func scanRaw(_ bytes: UnsafeBufferPointer<UInt8>, inHeaders: Bool) {
        guard bytes.count > 0 else { return }
        let taken = min(bytes.count, rawScanBudget)
        if taken < bytes.count {
            warn(
                "more than \(Self.maxRawScanBytes) bytes to scan as raw text: the last \(bytes.count - taken) "
                    + "bytes were not scanned for links")
        }
        guard taken > 0 else { return }
        rawScanBudget -= taken
        unstructured.append(RawTextScan.readable(UnsafeBufferPointer(rebasing: bytes[..<taken]), inHeaders: inHeaders))
    }

    // MARK: - Messages

    /// Parses a whole message; throws only when nothing can be read from it.
    mutating func parseMessage(_ raw: [UInt8], depth: Int) throws -> Message {
        var start = 0
        while start < raw.count,
            raw[start] == 0x20 || raw[start] == 0x09 || raw[start] == 0x0D || raw[start] == 0x0A
                || raw[start] == 0
        {
            start += 1
        }
        guard start < raw.count else { throw MessageParseError.empty }
        var bytes = start == 0 ? raw : Array(raw[start...])
        let hasNUL = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress.map { memchr($0, 0, buf.count) != nil } ?? false
        }
        if hasNUL, let firstNUL = bytes.firstIndex(of: 0) {
            let before = bytes.count
            bytes = Array(bytes[..<firstNUL]) + bytes[firstNUL...].filter { $0 != 0 }
            warn("\(before - bytes.count) NUL byte(s) removed")
        }
        return try bytes.withUnsafeBufferPointer { buf in
            let (headers, _) = RawHeaders.scan(buf)
            guard !headers.isEmpty else { throw MessageParseError.notAMail }
            let length = structuralLimit(buf)
            var index = 0
            var tree: UnsafeMutablePointer<mailmime>?
            let r = buf.withMemoryRebound(to: CChar.self) { mailmime_parse($0.baseAddress, length, &index, &tree) }
            do {
                try EtpanError.checkIMF(r, "mailmime_parse")
            } catch let error as EtpanError {
                throw MessageParseError(error)
            }
            guard let tree else { throw MessageParseError.refused(code: r, reason: "mailmime_parse returned no tree") }
            defer { mailmime_free(tree) }

            var body = Collected()
            var contentType = "text/plain"
            if let top = tree.pointee.mm_type == Int32(MAILMIME_MESSAGE)
                ? tree.pointee.mm_data.mm_message.mm_msg_mime
                : tree
            {
                let part = MIMEPart(top)
                contentType = effectiveType(part, headers: headers).joined(separator: "/")
                walk(top, part: part, headers: headers, depth: depth, into: &body)
            } else {
                warn("message body could not be parsed")
            }
            return Message(headers: headers, contentType: contentType, body: body)
        }
    }

    /// The length to hand libetpan: the whole buffer, or up to the line holding the Content-Type field number
    /// `maxStructuralHeaders + 1`.
    mutating func structuralLimit(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        let needle = Array("content-type:".utf8)
        var count = 0
        var i = 0
        let n = b.count
        while i < n {
            // i is at a line start.
            if n - i >= needle.count, b[i] | 0x20 == UInt8(ascii: "c") {
                var k = 1
                while k < needle.count, b[i + k] | 0x20 == needle[k] { k += 1 }
                if k == needle.count {
                    count += 1
                    if count > Self.maxStructuralHeaders {
                        warn(
                            "more than \(Self.maxStructuralHeaders) MIME parts: the structure was truncated there "
                                + "and the rest of the message scanned as raw text for links")
                        // Cut at the boundary line opening this part, so its whole header block (its encoding) is
                        // read by the raw scan rather than half parsed.
                        let cut = Self.partStart(b, before: i)
                        scanRaw(UnsafeBufferPointer(rebasing: b[cut..<n]), inHeaders: cut == i)
                        return cut
                    }
                }
            }
            i = RawHeaders.lineEnd(b, from: i).next
        }
        return n
    }

    /// The start of the boundary line (`--…`) that opens the part whose header line starts at `i`: the nearest line
    /// start before `i` beginning with two hyphens, within the few kilobytes a header block takes; else `i`.
    static func partStart(_ b: UnsafeBufferPointer<UInt8>, before i: Int) -> Int {
        var k = i
        let floor = max(0, i - 16_384)
        while k > floor {
            // k is a line start; find the previous one.
            var j = k - 1
            if j > 0, b[j] == 0x0A { j -= 1 }
            while j > floor, b[j - 1] != 0x0A { j -= 1 }
            if j >= 0, j + 1 < i, b[j] == 0x2D, b[j + 1] == 0x2D { return j }
            if j <= floor { break }
            k = j
        }
        return i
    }

    // MARK: - Tree walk

    mutating func walk(
        _ node: UnsafeMutablePointer<mailmime>, part: MIMEPart? = nil, headers: [RawHeaderField],
        depth: Int, into c: inout Collected
    ) {
        let part = part ?? MIMEPart(node)
        guard depth <= Self.maxDepth else {
            warn("MIME nesting deeper than \(Self.maxDepth) levels: deeper parts scanned as raw text for links")
            scanRaw(part.rawExtent, inHeaders: true)
            return
        }
        partCount += 1
        guard partCount <= Self.maxParts else {
            warn("more than \(Self.maxParts) MIME parts: the rest scanned as raw text for links")
            scanRaw(part.rawExtent, inHeaders: true)
            return
        }
        switch part.kind {
        case MAILMIME_MULTIPLE:
            walkMultipart(part, depth: depth, into: &c)
        case MAILMIME_MESSAGE:
            walkEmbedded(part, depth: depth, into: &c)
        default:
            walkSingle(part, headers: headers, depth: depth, into: &c)
        }
    }

    mutating func walkMultipart(_ part: MIMEPart, depth: Int, into c: inout Collected) {
        if let boundary = part.parameters.first(where: { $0.name.lowercased() == "boundary" })?.value,
            !Self.containsCloseDelimiter(part.rawBody, boundary: boundary)
        {
            warn("\(part.mimeType) not terminated (closing boundary missing): kept the parts present")
        }
        let children = part.children
        if part.subtype == "alternative" {
            var alternatives: [Collected] = []
            for child in children {
                var sub = Collected()
                let childPart = MIMEPart(child)
                walk(child, part: childPart, headers: childHeaders(childPart), depth: depth + 1, into: &sub)
                alternatives.append(sub)
            }
            // Prefer the text/plain rendering; the HTML one still gives its links.
            let chosen =
                alternatives.firstIndex { $0.hasPlain }
                ?? alternatives.lastIndex { !$0.pieces.isEmpty }
            if let chosen { c.pieces += alternatives[chosen].pieces }
            for sub in alternatives {
                c.links += sub.links
                c.attachments += sub.attachments
                c.files += sub.files
                c.forwarded += sub.forwarded
                c.forwardedCount += sub.forwardedCount
            }
        } else {
            for child in children {
                let childPart = MIMEPart(child)
                walk(child, part: childPart, headers: childHeaders(childPart), depth: depth + 1, into: &c)
            }
        }
    }

    func childHeaders(_ part: MIMEPart) -> [RawHeaderField] {
        let block = part.rawHeaderBlock
        guard block.count > 0 else { return [] }
        return RawHeaders.scan(block, limit: 100).fields
    }

    /// A message/rfc822 part libetpan already parsed (7bit/8bit): a forwarded message.
    mutating func walkEmbedded(_ part: MIMEPart, depth: Int, into c: inout Collected) {
        let raw = part.rawBody
        let headers = raw.count > 0 ? RawHeaders.scan(raw).fields : []
        var sub = Collected()
        if let inner = part.node.pointee.mm_data.mm_message.mm_msg_mime {
            walk(inner, headers: headers, depth: depth + 1, into: &sub)
        }
        addForwarded(headers: headers, body: sub, into: &c)
    }

    mutating func addForwarded(headers: [RawHeaderField], body: Collected, into c: inout Collected) {
        var lines = ["---------- Message transféré ----------"]
        for (name, label) in [("From", "De"), ("Date", "Date"), ("Subject", "Objet"), ("To", "À")] {
            if let field = headers.first(named: name) { lines.append("\(label) : \(field.decoded)") }
        }
        let text = body.text
        c.forwarded.append(lines.joined(separator: "\n") + (text.isEmpty ? "" : "\n\n" + text))
        c.links += body.links
        c.attachments += body.attachments
        c.files += body.files
        c.forwardedCount += 1 + body.forwardedCount
    }

    mutating func walkSingle(_ part: MIMEPart, headers: [RawHeaderField], depth: Int, into c: inout Collected) {
        let type = effectiveType(part, headers: headers)
        if type == ["message", "rfc822"] {
            // Only a transfer-encoded message/rfc822 reaches here: decode it, then parse it as a message.
            let bytes = part.decodedBody()
            do {
                let message = try parseMessage(bytes, depth: depth + 1)
                addForwarded(headers: message.headers, body: message.body, into: &c)
            } catch {
                warn("forwarded message unreadable: \(error)")
            }
            return
        }
        let isText =
            type[0] == "text" && part.disposition != "attachment"
            && (type[1] == "plain" || type[1] == "html" || part.filename == nil)
        guard isText else {
            let bytes = part.decodedBody()
            c.attachments.append(
                AttachmentInfo(filename: part.filename, mimeType: type.joined(separator: "/"), size: bytes.count))
            if keepFiles {
                c.files.append(Attachment(filename: part.filename, mimeType: type.joined(separator: "/"), bytes: bytes))
            }
            return
        }
        let charset = part.parameter("charset")
        let (decoded, warning) = Charset.decode(part.decodedBody(), charset: charset)
        if let warning { warn(warning) }
        var text = Self.normalizeNewlines(decoded)
        if type[1] == "html" {
            let (reduced, links) = HTMLText.reduce(text)
            c.links += links
            c.pieces.append((reduced, true))
            return
        }
        if part.parameter("format")?.lowercased() == "flowed" {
            text = FormatFlowed.unwrap(text, delSp: part.parameter("delsp")?.lowercased() == "yes")
        }
        c.pieces.append((text, false))
    }

    /// The media type to act on: libetpan's reading, or text/plain (with a warning) when the header is broken.
    mutating func effectiveType(_ part: MIMEPart, headers: [RawHeaderField]) -> [String] {
        if let field = headers.first(named: "Content-Type"), !HeaderValues.isValidMediaType(field.value) {
            let shown = String(decoding: field.value.prefix(60), as: UTF8.self)
            warn("bad Content-Type \"\(shown)\": treated as text/plain")
            return ["text", "plain"]
        }
        if part.kind == MAILMIME_SINGLE && part.type == "multipart" {
            warn("\(part.mimeType) without boundary: treated as text/plain")
            return ["text", "plain"]
        }
        return [part.type, part.subtype]
    }

    // MARK: - Helpers

    /// True when `--boundary--` occurs in `body` (searched from the end, where it belongs).
    static func containsCloseDelimiter(_ body: UnsafeBufferPointer<UInt8>, boundary: String) -> Bool {
        let needle = Array("--\(boundary)--".utf8)
        let n = body.count
        guard n >= needle.count else { return false }
        var i = n - needle.count
        while i >= 0 {
            if body[i] == UInt8(ascii: "-") {
                var k = 0
                while k < needle.count, body[i + k] == needle[k] { k += 1 }
                if k == needle.count { return true }
            }
            i -= 1
        }
        return false
    }

    /// CR LF and lone CR become LF. Spans without CR are copied whole (memchr, then memcpy): this runs over every
    /// text part of every report.
    static func normalizeNewlines(_ s: String) -> String {
        var s = s
        return s.withUTF8 { u -> String? in
            guard let base = u.baseAddress, memchr(base, 0x0D, u.count) != nil else { return nil }
            return String(unsafeUninitializedCapacity: u.count) { out in
                guard let dst = out.baseAddress else { return 0 }
                var i = 0
                var o = 0
                while i < u.count {
                    let cr = memchr(base + i, 0x0D, u.count - i).map {
                        UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base
                    }
                    let end = cr ?? u.count
                    (dst + o).update(from: base + i, count: end - i)
                    o += end - i
                    guard let cr else { break }
                    dst[o] = 0x0A
                    o += 1
                    i = cr + 1
                    if i < u.count && base[i] == 0x0A { i += 1 }
                }
                return o
            }
        } ?? s
    }

    /// Without leading blank lines and trailing whitespace.
    static func trimmed(_ s: String) -> String {
        let u = s.utf8
        var start = u.startIndex
        var lineStart = start
        while start < u.endIndex, u[start] == 0x20 || u[start] == 0x09 || u[start] == 0x0A {
            if u[start] == 0x0A { lineStart = u.index(after: start) }
            start = u.index(after: start)
        }
        var end = u.endIndex
        while end > lineStart {
            let b = u[u.index(before: end)]
            guard b == 0x20 || b == 0x09 || b == 0x0A else { break }
            end = u.index(before: end)
        }
        if lineStart >= end { return "" }
        if lineStart == u.startIndex && end == u.endIndex { return s }
        // Both ends sit next to ASCII bytes, so on scalar boundaries: the bytes are copied, not decoded again.
        return String(Substring(s.unicodeScalars[lineStart..<end]))
    }
}
