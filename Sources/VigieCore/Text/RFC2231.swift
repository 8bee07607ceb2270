/// Reassembles MIME parameters split or charset-tagged by RFC 2231 (`filename*0*=utf-8''…; filename*1*=…`), the way
/// modern clients send non-ASCII attachment names.
public enum RFC2231 {
    /// The decoded value of parameter `name`, preferring the RFC 2231 form; RFC 2047 words found in plain values are
    /// decoded too, since many clients put them there.
    public static func value(of name: String, in parameters: [(name: String, value: String)]) -> String? {
        let target = name.lowercased()
        var plain: String?
        var sections: [(index: Int, value: String, encoded: Bool)] = []
        for (rawName, rawValue) in parameters {
            let pname = rawName.lowercased()
            let value = unquote(rawValue)
            if pname == target {
                if plain == nil { plain = value }
                continue
            }
            guard pname.hasPrefix(target + "*") else { continue }
            var rest = pname.dropFirst(target.count + 1)
            if rest.isEmpty {
                sections.append((0, value, true))
                continue
            }
            let encoded = rest.hasSuffix("*")
            if encoded { rest = rest.dropLast() }
            guard let index = Int(rest), index >= 0, index < 1000 else { continue }
            sections.append((index, value, encoded))
        }
        if !sections.isEmpty {
            sections.sort { $0.index < $1.index }
            var charset: String?
            var bytes: [UInt8] = []
            for (position, section) in sections.enumerated() {
                var value = Substring(section.value)
                if section.encoded, position == 0 {
                    // charset'language'percent-encoded-text
                    let parts = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                    if parts.count == 3 {
                        charset = parts[0].isEmpty ? nil : String(parts[0])
                        value = parts[2]
                    }
                }
                bytes += section.encoded ? percentDecode(value) : Array(value.utf8)
            }
            return Charset.decode(bytes, charset: charset).text
        }
        return plain.map { RFC2047.decode($0) }
    }

    static func unquote(_ value: String) -> String {
        guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else { return value }
        return String(value.dropFirst().dropLast())
    }

    static func percentDecode(_ text: Substring) -> [UInt8] {
        let b = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%"), i + 2 < b.count,
                let hi = RFC2047.hexValue(b[i + 1]), let lo = RFC2047.hexValue(b[i + 2])
            {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return out
    }
}
