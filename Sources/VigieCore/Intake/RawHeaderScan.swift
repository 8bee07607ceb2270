import Foundation

/// A fast look at a raw message's header block, for deduplication before any real parsing.
public enum RawHeaderScan {
    /// The Message-ID (without angle brackets), or nil when absent or unreadable.
    public static func messageID(in raw: [UInt8]) -> String? {
        guard let value = headerValue(named: "message-id", in: raw) else { return nil }
        var text = value.trimmingCharacters(in: .whitespaces)
        if let open = text.firstIndex(of: "<"), let close = text[open...].firstIndex(of: ">") {
            text = String(text[text.index(after: open)..<close])
        }
        text = text.trimmingCharacters(in: .whitespaces)
        return text.isEmpty || text.count > 998 ? nil : text
    }

    /// The unfolded value of the first header field with that (lowercase) name, within the header block.
    public static func headerValue(named lowercaseName: String, in raw: [UInt8]) -> String? {
        let name = Array(lowercaseName.utf8)
        let n = raw.count
        var i = 0
        while i < n {
            // At the start of a line. A blank line ends the header block.
            if raw[i] == 0x0D || raw[i] == 0x0A { return nil }
            let lineStart = i
            var matched = i + name.count < n
            if matched {
                for k in 0..<name.count where lowercased(raw[i + k]) != name[k] {
                    matched = false
                    break
                }
                matched = matched && raw[i + name.count] == UInt8(ascii: ":")
            }
            // Find the end of this field (including folded continuation lines).
            var j = lineStart
            var valueBytes: [UInt8] = []
            let valueStart = matched ? lineStart + name.count + 1 : -1
            while j < n {
                if raw[j] == 0x0A {
                    let next = j + 1
                    if next < n && (raw[next] == 0x20 || raw[next] == 0x09) {
                        j = next
                        continue
                    }
                    break
                }
                if matched && j >= valueStart && raw[j] != 0x0D { valueBytes.append(raw[j] == 0x0A ? 0x20 : raw[j]) }
                j += 1
            }
            if matched { return String(decoding: valueBytes, as: UTF8.self) }
            i = j + 1
        }
        return nil
    }

    private static func lowercased(_ b: UInt8) -> UInt8 { (b >= 65 && b <= 90) ? b + 32 : b }
}
