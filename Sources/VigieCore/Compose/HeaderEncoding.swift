import Foundation

/// Writes header fields that are safe on the wire: RFC 2047 encoded-words, RFC 5322 quoting and folding, no injection.
///
/// Every name and value goes through `sanitize`: CR, LF, NUL and other controls become spaces, so no caller-supplied
/// text can ever end a header line and start another one (or add a recipient).
public enum HeaderEncoding {
    /// Folding aims at this length (RFC 5322 §2.1.1 "SHOULD be no more than 78").
    public static let foldColumn = 78
    /// The hard line limit of RFC 5322 §2.1.1, CRLF excluded.
    public static let maxLineLength = 998
    /// The longest encoded-word RFC 2047 §2 allows.
    public static let maxEncodedWordLength = 75

    /// Replaces every control character (CR, LF, NUL, TAB, DEL …) by a space and trims both ends.
    public static func sanitize(_ value: String) -> String {
        // Printable ASCII with no space at either end: nothing to replace or trim (the common case).
        let utf8 = value.utf8
        if utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) && utf8.first != 0x20 && utf8.last != 0x20 { return value }
        var scalars = String.UnicodeScalarView()
        for s in value.unicodeScalars {
            if s.value < 0x20 || s.value == 0x7F || (0x80..<0xA0).contains(s.value) || s == "\u{2028}"
                || s == "\u{2029}"
            {
                scalars.append(" ")
            } else {
                scalars.append(s)
            }
        }
        return String(scalars).trimmingCharacters(in: .whitespaces)
    }

    /// Keeps only the characters RFC 5322 §3.6.8 allows in a field name (printable ASCII but `:`).
    public static func sanitizeName(_ name: String) -> String {
        if name.utf8.allSatisfy({ $0 >= 33 && $0 <= 126 && $0 != 0x3A }) { return name }
        return String(
            String.UnicodeScalarView(name.unicodeScalars.filter { $0.value >= 33 && $0.value <= 126 && $0 != ":" }))
    }

    /// A complete unstructured field (`Subject`, `List-Id` …): `Name: value`, encoded and folded, without final CRLF.
    public static func field(_ name: String, _ value: String) -> String {
        let prefix = sanitizeName(name) + ":"
        return fold(prefix: prefix, atoms: unstructuredAtoms(sanitize(value), firstRoom: roomAfter(prefix)))
    }

    /// A complete address field (`From`, `To`): display name encoded or quoted, address in angle brackets.
    public static func addressField(_ name: String, _ address: MailAddress) -> String {
        let prefix = sanitizeName(name) + ":"
        return fold(prefix: prefix, atoms: mailboxAtoms(address, firstRoom: roomAfter(prefix)))
    }

    /// The mailbox as it appears in a header (`"Dupont, Jean" <jean@example.org>`), unfolded.
    public static func mailbox(_ address: MailAddress) -> String {
        mailboxAtoms(address).joined(separator: " ")
    }

    // MARK: - Atoms

    /// Splits an unstructured value into units that folding must not cut; non-ASCII runs become encoded-words.
    /// Columns left on the first line after `Name: `, for the first encoded-word (which cannot be folded away).
    static func roomAfter(_ prefix: String) -> Int {
        foldColumn - prefix.utf8.count - 1
    }

    static func unstructuredAtoms(_ value: String, firstRoom: Int = maxEncodedWordLength) -> [String] {
        let words = value.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var atoms: [String] = []
        var pending: [String] = []  // consecutive words that need encoding, encoded together with their spaces
        func flush() {
            if pending.isEmpty { return }
            atoms += encodedWords(pending.joined(separator: " "), firstWordLimit: atoms.isEmpty ? firstRoom : nil)
            pending = []
        }
        for word in words {
            if needsEncoding(word) {
                pending.append(word)
            } else {
                flush()
                atoms.append(word)
            }
        }
        flush()
        return atoms
    }

    /// A word is sent as an encoded-word when it is not plain ASCII, could be mistaken for one, or cannot be folded.
    static func needsEncoding(_ word: String) -> Bool {
        if word.unicodeScalars.contains(where: { $0.value > 126 }) { return true }
        if word.contains("=?") && word.contains("?=") { return true }
        return word.utf8.count > maxLineLength - 80
    }

    static func mailboxAtoms(_ address: MailAddress, firstRoom: Int = maxEncodedWordLength) -> [String] {
        let addr = sanitizeAddress(address.address)
        let name = sanitize(address.name ?? "")
        if name.isEmpty { return ["<" + addr + ">"] }
        return phraseAtoms(name, firstRoom: firstRoom) + ["<" + addr + ">"]
    }

    /// An addr-spec is printable ASCII without spaces, brackets or commas: anything else (controls, line
    /// separators, non-ASCII) is dropped rather than trusted, in headers and SMTP commands alike.
    public static func sanitizeAddress(_ address: String) -> String {
        if address.utf8.allSatisfy({ $0 >= 33 && $0 <= 126 && $0 != 0x3C && $0 != 0x3E && $0 != 0x2C }) {
            return address
        }
        return String(
            String.UnicodeScalarView(
                address.unicodeScalars.filter {
                    (33...126).contains($0.value) && $0 != "<" && $0 != ">" && $0 != ","
                }))
    }

    /// A display name: atoms as they are, a quoted-string when it has specials, encoded-words when not ASCII.
    static func phraseAtoms(_ name: String, firstRoom: Int = maxEncodedWordLength) -> [String] {
        if name.unicodeScalars.contains(where: { $0.value > 126 }) || (name.contains("=?") && name.contains("?=")) {
            return encodedWords(name, firstWordLimit: firstRoom)
        }
        let words = name.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if words.allSatisfy({ $0.unicodeScalars.allSatisfy(isAtext) }) { return words }
        // A quoted-string may be folded at its inner spaces (RFC 5322 §3.2.4 allows FWS inside).
        var quoted = words.map {
            $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        }
        quoted[0] = "\"" + quoted[0]
        quoted[quoted.count - 1] += "\""
        return quoted
    }

    /// RFC 5322 atext: what an atom may hold without quoting.
    static func isAtext(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        default: return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(s)
        }
    }

    // MARK: - Encoded-words

    /// Encodes text as one or more `=?UTF-8?Q?…?=` or `=?UTF-8?B?…?=` words, each ≤ 75 characters, whichever is
    /// shorter; words are cut between Unicode scalars so each one decodes on its own. `firstWordLimit` shortens the
    /// first word so it fits after a field name (ignored when too small to hold anything useful).
    public static func encodedWords(_ text: String, firstWordLimit: Int? = nil) -> [String] {
        let bytes = Array(text.utf8)
        let qLength = bytes.reduce(0) { $0 + (isQSafe($1) ? 1 : 3) }
        let bLength = (bytes.count + 2) / 3 * 4
        let useQ = qLength <= bLength
        let prefix = useQ ? "=?UTF-8?Q?" : "=?UTF-8?B?"
        let fullRoom = maxEncodedWordLength - prefix.count - 2
        var room = fullRoom
        if let limit = firstWordLimit, limit - prefix.count - 2 >= 16 { room = min(fullRoom, limit - prefix.count - 2) }
        var words: [String] = []
        var chunk: [UInt8] = []
        // The Q cost of `chunk`, kept as it grows (B's follows from its length).
        var chunkQCost = 0
        func flush() {
            if chunk.isEmpty { return }
            words.append(prefix + (useQ ? qEncode(chunk) : Data(chunk).base64EncodedString()) + "?=")
            chunk = []
            chunkQCost = 0
            room = fullRoom
        }
        var scalarBytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            scalarBytes.removeAll(keepingCapacity: true)
            UTF8.encode(scalar) { scalarBytes.append($0) }
            let added = scalarBytes.reduce(0) { $0 + (isQSafe($1) ? 1 : 3) }
            let cost = useQ ? chunkQCost + added : (chunk.count + scalarBytes.count + 2) / 3 * 4
            if cost > room { flush() }
            chunk += scalarBytes
            chunkQCost += added
        }
        flush()
        return words
    }

    /// The Q alphabet kept literal: the subset RFC 2047 §5(3) allows even inside a phrase.
    static func isQSafe(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x21, 0x2A, 0x2B, 0x2D, 0x2F, 0x20: return true
        default: return false
        }
    }

    static func qEncode(_ bytes: [UInt8]) -> String {
        var out = ""
        for b in bytes {
            if b == 0x20 {
                out.append("_")
            } else if isQSafe(b) {
                out.append(Character(UnicodeScalar(b)))
            } else {
                out.append("=")
                out.append(Hex.encode(CollectionOfOne(b), uppercase: true))
            }
        }
        return out
    }

    // MARK: - Folding

    /// Lays atoms out on lines of ≤ 78 characters where possible, folding with CRLF + space between atoms.
    static func fold(prefix: String, atoms: [String]) -> String {
        var out = prefix
        var lineLength = prefix.utf8.count
        var first = true
        for atom in atoms {
            let length = atom.utf8.count
            if !first && lineLength + 1 + length > foldColumn {
                out += "\r\n " + atom
                lineLength = 1 + length
            } else {
                out += " " + atom
                lineLength += 1 + length
            }
            first = false
        }
        return out
    }
}
