import Foundation

/// A fast look at a raw message's header block, for deduplication before any real parsing.
public enum RawHeaderScan {
    /// The Message-ID (without angle brackets), or nil when absent or unreadable.
    public static func messageID(in raw: [UInt8]) -> String? {
        guard let value = headerBytes(named: "message-id", in: raw) else { return nil }
        // Runs once per fetched message before the commit (Foundation's trimming cost more than the hash): an ASCII
        // value, where bytes are characters, is trimmed on bytes; any other takes the general path.
        if value.contains(where: { $0 >= 0x80 }) { return messageID(fromText: String(decoding: value, as: UTF8.self)) }
        var bytes = trimmedBlanks(value[...])
        if let open = bytes.firstIndex(of: UInt8(ascii: "<")),
            let close = bytes[open...].firstIndex(of: UInt8(ascii: ">"))
        {
            bytes = trimmedBlanks(bytes[(open + 1)..<close])
        }
        return bytes.isEmpty || bytes.count > 998 ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// The general path of `messageID(in:)`, on the decoded value.
    static func messageID(fromText value: String) -> String? {
        var text = value.trimmingCharacters(in: .whitespaces)
        if let open = text.firstIndex(of: "<"), let close = text[open...].firstIndex(of: ">") {
            text = String(text[text.index(after: open)..<close])
        }
        text = text.trimmingCharacters(in: .whitespaces)
        return text.isEmpty || text.count > 998 ? nil : text
    }

    /// Without leading and trailing spaces and tabs.
    private static func trimmedBlanks(_ b: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var b = b
        while let f = b.first, f == 0x20 || f == 0x09 { b = b.dropFirst() }
        while let l = b.last, l == 0x20 || l == 0x09 { b = b.dropLast() }
        return b
    }

    /// The unfolded value of the first header field with that (lowercase) name, within the header block.
    public static func headerValue(named lowercaseName: String, in raw: [UInt8]) -> String? {
        headerBytes(named: lowercaseName, in: raw).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes of `headerValue(named:in:)`: the line breaks of folds and every CR dropped.
    static func headerBytes(named lowercaseName: String, in raw: [UInt8]) -> [UInt8]? {
        let name = Array(lowercaseName.utf8)
        let n = raw.count
        return raw.withUnsafeBufferPointer { raw -> [UInt8]? in
            var i = 0
            while i < n {
                // At the start of a line. A blank line ends the header block.
                if raw[i] == 0x0D || raw[i] == 0x0A { return nil }
                var matched = i + name.count < n
                if matched {
                    for k in 0..<name.count where lowercased(raw[i + k]) != name[k] {
                        matched = false
                        break
                    }
                    matched = matched && raw[i + name.count] == UInt8(ascii: ":")
                }
                // The end of this field (including folded continuation lines).
                var j = i
                var valueBytes: [UInt8] = []
                let valueStart = matched ? i + name.count + 1 : -1
                while j < n {
                    if raw[j] == 0x0A {
                        let next = j + 1
                        if next < n && (raw[next] == 0x20 || raw[next] == 0x09) {
                            j = next
                            continue
                        }
                        break
                    }
                    if matched && j >= valueStart && raw[j] != 0x0D { valueBytes.append(raw[j]) }
                    j += 1
                }
                if matched { return valueBytes }
                i = j + 1
            }
            return nil
        }
    }

    private static func lowercased(_ b: UInt8) -> UInt8 { (b >= 65 && b <= 90) ? b + 32 : b }
}
