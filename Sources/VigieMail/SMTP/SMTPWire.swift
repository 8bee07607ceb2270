import Foundation

/// The byte-level pieces of the mail transaction Vigie speaks itself after libcurl opened the session: the relay's
/// EHLO keywords, the reply parser, the envelope commands and the dot-stuffed data.
enum SMTPWire {
    /// What the relay's last EHLO reply offers, of what the transaction looks at. (8BITMIME and SMTPUTF8 are not
    /// needed: envelope addresses are sanitised to ASCII, and the body goes as composed, as libcurl sent it.)
    struct Capabilities: Sendable, Hashable {
        /// RFC 2920: MAIL FROM, RCPT TO and DATA may go out in one write.
        var pipelining = false
        /// RFC 1870: the relay takes `SIZE=n` on MAIL FROM.
        var size = false

        /// Reads the keywords of an EHLO reply (lines `250-KEYWORD params`, `\n`-separated, codes included).
        init(ehloReply text: String) {
            for (index, line) in text.split(separator: "\n").enumerated() where index > 0 {
                let keyword = line.dropFirst(4).prefix { $0 != " " }.uppercased()
                switch keyword {
                case "PIPELINING": pipelining = true
                case "SIZE": size = true
                default: break
                }
            }
        }

        init() {}
    }

    /// One complete reply: its code (0 when the first line has none) and its lines, `\n`-separated, CRLF removed.
    struct Reply: Sendable, Hashable {
        var code: Int
        var text: String
    }

    /// Splits the bytes read from the relay into replies; a line `NNN text` ends one, `NNN-text` continues it.
    struct ReplyParser: Sendable {
        private var pending: [UInt8] = []
        private var lines: [String] = []

        /// Bytes read and not yet part of a complete reply.
        var hasPartialReply: Bool { !pending.isEmpty || !lines.isEmpty }

        mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            pending.append(contentsOf: bytes)
        }

        /// The next complete reply, if the bytes so far hold one.
        mutating func next() -> Reply? {
            var consumed = 0
            defer { if consumed > 0 { pending.removeFirst(consumed) } }
            while let lf = pending[consumed...].firstIndex(of: 0x0A) {
                var end = lf
                if end > consumed && pending[end - 1] == 0x0D { end -= 1 }
                let line = Array(pending[consumed..<end])
                consumed = lf + 1
                lines.append(String(decoding: line, as: UTF8.self))
                if line.count < 4 || line[3] != UInt8(ascii: "-") {
                    let digits = line.prefix(3)
                    let code =
                        digits.count == 3 && digits.allSatisfy({ (0x30...0x39).contains($0) })
                        ? digits.reduce(0) { $0 * 10 + Int($1 - 0x30) } : 0
                    defer { lines = [] }
                    return Reply(code: code, text: lines.joined(separator: "\n"))
                }
            }
            return nil
        }
    }

    /// `MAIL FROM:<from>[ SIZE=n]\r\n`; the addresses are already sanitised (no CR, LF, `<`, `>`).
    static func mailFrom(_ from: String, size: Int?) -> [UInt8] {
        Array("MAIL FROM:<\(from)>\(size.map { " SIZE=\($0)" } ?? "")\r\n".utf8)
    }

    static func rcptTo(_ to: String) -> [UInt8] { Array("RCPT TO:<\(to)>\r\n".utf8) }

    static let data = Array("DATA\r\n".utf8)
    static let rset = Array("RSET\r\n".utf8)
    static let quit = Array("QUIT\r\n".utf8)
    /// The end of data alone, for a relay that answered 354 to a DATA whose recipients it had refused.
    static let emptyData = Array(".\r\n".utf8)

    /// The message as it goes after 354: every line starting with "." gets one more (RFC 5321 §4.5.2), then
    /// `CRLF.CRLF` (the CRLF only if the message does not end with one). A `memchr` for each LF: the composed mail
    /// rarely has a line starting with a dot, so this is mostly one copy of the message.
    static func stuffedData(_ message: [UInt8]) -> [UInt8] {
        let count = message.count
        // Room for the worst case (a dot after every LF: count / 2 more), the final CRLF and ".\r\n"; uninitialised,
        // filled by memcpy.
        return [UInt8](unsafeUninitializedCapacity: count + count / 2 + 6) { out, written in
            let to = out.baseAddress!
            var n = 0
            func put(_ source: UnsafePointer<UInt8>, _ length: Int) {
                memcpy(to + n, source, length)
                n += length
            }
            message.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress, count > 0 else { return }
                let dot = UInt8(ascii: ".")
                var copied = 0
                if base[0] == dot {
                    to[0] = dot
                    n = 1
                }
                var from = 0
                while from < count, let found = memchr(base + from, 0x0A, count - from) {
                    let lf = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    if lf + 1 < count && base[lf + 1] == dot {
                        put(base + copied, lf + 1 - copied)
                        to[n] = dot
                        n += 1
                        copied = lf + 1
                    }
                    from = lf + 1
                }
                put(base + copied, count - copied)
            }
            if n > 0 && !(n >= 2 && to[n - 2] == 0x0D && to[n - 1] == 0x0A) {
                to[n] = 0x0D
                to[n + 1] = 0x0A
                n += 2
            }
            for byte in emptyData {
                to[n] = byte
                n += 1
            }
            written = n
        }
    }
}
