import Foundation

/// A small independent RFC 2047 / RFC 5322 reader for the tests: unfolds a field and decodes its encoded-words,
/// so encoder output can be checked by round trip rather than by hard-coded strings only.
enum HeaderDecoder {
    /// Unfolds (CRLF + WSP → WSP) and returns the value after `Name:` with its leading space removed.
    static func unfoldedValue(_ field: String) -> String {
        let unfolded = field.replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: "\t")
        guard let colon = unfolded.firstIndex(of: ":") else { return unfolded }
        var value = unfolded[unfolded.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
        return String(value)
    }

    /// Decodes encoded-words; whitespace between two adjacent encoded-words is dropped (RFC 2047 §6.2).
    static func decode(_ value: String) -> String {
        let tokens = value.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        var out = ""
        var previousWasEncoded = false
        for (i, token) in tokens.enumerated() {
            if let decoded = decodeWord(token) {
                if i > 0 && !previousWasEncoded { out += " " }
                out += decoded
                previousWasEncoded = true
            } else {
                if i > 0 { out += " " }
                out += token
                previousWasEncoded = false
            }
        }
        return out
    }

    static func decodeWord(_ word: String) -> String? {
        let parts = word.split(separator: "?", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "=", parts[4] == "=", parts[1].uppercased() == "UTF-8" else { return nil }
        let text = String(parts[3])
        switch parts[2].uppercased() {
        case "B":
            guard let data = Data(base64Encoded: text) else { return nil }
            return String(data: data, encoding: .utf8)
        case "Q":
            var bytes: [UInt8] = []
            var i = text.utf8.startIndex
            let utf8 = text.utf8
            while i < utf8.endIndex {
                let c = utf8[i]
                if c == UInt8(ascii: "_") {
                    bytes.append(0x20)
                } else if c == UInt8(ascii: "=") {
                    let h = utf8.index(after: i)
                    let l = utf8.index(after: h)
                    guard l < utf8.endIndex,
                        let v = UInt8(String(decoding: [utf8[h], utf8[l]], as: UTF8.self), radix: 16)
                    else { return nil }
                    bytes.append(v)
                    i = l
                } else {
                    bytes.append(c)
                }
                i = utf8.index(after: i)
            }
            return String(bytes: bytes, encoding: .utf8)
        default:
            return nil
        }
    }

    /// Every encoded-word in a header field.
    static func encodedWords(_ field: String) -> [String] {
        unfoldedValue(field).split(separator: " ").map(String.init).filter { $0.hasPrefix("=?") && $0.hasSuffix("?=") }
    }
}
