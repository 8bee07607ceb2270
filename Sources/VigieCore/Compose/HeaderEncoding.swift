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

    /// `addressField` appended to `out` as bytes (without CRLF). Names that are clean already (nothing to replace or
    /// trim) and need no quoting — plain atoms or encoded-words — are written straight from their bytes, with no
    /// intermediate strings: the newsletter's `To:` for every subscriber. The others take `addressField`.
    public static func appendAddressField(_ name: String, _ address: MailAddress, to out: inout [UInt8]) {
        if !appendPlainAddressField(name, address, to: &out) {
            out.append(contentsOf: addressField(name, address).utf8)
        }
    }

    /// The fast path of `appendAddressField`; false (and `out` untouched) when it does not apply.
    static func appendPlainAddressField(_ name: String, _ address: MailAddress, to out: inout [UInt8]) -> Bool {
        guard name.utf8.allSatisfy({ $0 >= 33 && $0 <= 126 && $0 != 0x3A }) else { return false }
        var display = address.name ?? ""
        return display.withUTF8 { phrase in
            // Same atoms as `mailboxAtoms` would give, or nil to leave the name to it.
            let prefixLength = name.utf8.count + 1
            let firstRoom = foldColumn - prefixLength - 1
            var scratch: [UInt8] = []
            var atomEnds: [Int] = []
            if !phrase.isEmpty {
                guard isClean(phrase) else { return false }
                if phrase.contains(where: { $0 >= 0x80 })
                    || (Self.contains(phrase, 0x3D, 0x3F) && Self.contains(phrase, 0x3F, 0x3D))
                {
                    appendEncodedWords(phrase, firstWordLimit: firstRoom, to: &scratch, ends: &atomEnds)
                } else {
                    var i = 0
                    while i < phrase.count {
                        if phrase[i] == 0x20 {
                            i += 1
                            continue
                        }
                        while i < phrase.count && phrase[i] != 0x20 {
                            guard isAtextByte(phrase[i]) else { return false }
                            scratch.append(phrase[i])
                            i += 1
                        }
                        atomEnds.append(scratch.count)
                    }
                }
            }
            scratch.append(0x3C)
            scratch.append(contentsOf: sanitizeAddress(address.address).utf8)
            scratch.append(0x3E)
            atomEnds.append(scratch.count)
            // `fold`, over the atoms in `scratch`.
            out.append(contentsOf: name.utf8)
            out.append(0x3A)
            var lineLength = prefixLength
            var start = 0
            for (k, end) in atomEnds.enumerated() {
                let length = end - start
                if k > 0 && lineLength + 1 + length > foldColumn {
                    out.append(0x0D)
                    out.append(0x0A)
                    out.append(0x20)
                    lineLength = 1 + length
                } else {
                    out.append(0x20)
                    lineLength += 1 + length
                }
                out.append(contentsOf: scratch[start..<end])
                start = end
            }
            return true
        }
    }

    /// True when `sanitize` would return the UTF-8 text `b` unchanged: no control (C0, DEL, C1), no line or paragraph
    /// separator, and no `CharacterSet.whitespaces` scalar at either end.
    static func isClean(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x20 || c == 0x7F { return false }
            if c == 0xC2, i + 1 < b.count, b[i + 1] < 0xA0 { return false }  // U+0080…U+009F
            if c == 0xE2, i + 2 < b.count, b[i + 1] == 0x80, b[i + 2] == 0xA8 || b[i + 2] == 0xA9 { return false }
            i += 1
        }
        return !isSpaceScalar(b, at: 0) && !isSpaceScalar(b, at: lastScalarStart(b))
    }

    /// Where the last scalar of non-empty UTF-8 text starts.
    private static func lastScalarStart(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var i = b.count - 1
        while i > 0 && b[i] & 0xC0 == 0x80 { i -= 1 }
        return i
    }

    /// Whether the scalar at `i` is one `trimmingCharacters(in: .whitespaces)` removes.
    private static func isSpaceScalar(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        if b[i] < 0x80 { return b[i] == 0x20 || b[i] == 0x09 }
        var it = b[i...].makeIterator()
        var decoder = UTF8()
        guard case .scalarValue(let s) = decoder.decode(&it) else { return true }
        return CharacterSet.whitespaces.contains(s)
    }

    /// Whether the two bytes `a` `b` occur in a row.
    private static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ a: UInt8, _ b: UInt8) -> Bool {
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == a && bytes[i + 1] == b { return true }
            i += 1
        }
        return false
    }

    /// `isAtext` for an ASCII byte.
    private static func isAtextByte(_ c: UInt8) -> Bool {
        switch c {
        case 0x61...0x7A, 0x41...0x5A, 0x30...0x39: return true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2F, 0x3D, 0x3F, 0x5E, 0x5F, 0x60, 0x7B, 0x7C,
            0x7D, 0x7E:
            return true
        default: return false
        }
    }

    /// `encodedWords` over UTF-8 bytes, each word appended to `out` and its end recorded in `ends`.
    static func appendEncodedWords(
        _ bytes: UnsafeBufferPointer<UInt8>, firstWordLimit: Int?, to out: inout [UInt8], ends: inout [Int]
    ) {
        var qLength = 0
        for b in bytes { qLength += isQSafe(b) ? 1 : 3 }
        let bLength = (bytes.count + 2) / 3 * 4
        let useQ = qLength <= bLength
        let prefix: StaticString = useQ ? "=?UTF-8?Q?" : "=?UTF-8?B?"
        let fullRoom = maxEncodedWordLength - prefix.utf8CodeUnitCount - 2
        var room = fullRoom
        if let limit = firstWordLimit, limit - prefix.utf8CodeUnitCount - 2 >= 16 {
            room = min(fullRoom, limit - prefix.utf8CodeUnitCount - 2)
        }
        var chunkStart = 0
        var chunkEnd = 0
        var chunkQCost = 0
        func flush() {
            if chunkEnd == chunkStart { return }
            prefix.withUTF8Buffer { out.append(contentsOf: $0) }
            let chunk = UnsafeBufferPointer(rebasing: bytes[chunkStart..<chunkEnd])
            if useQ { appendQ(chunk, to: &out) } else { appendBase64(chunk, to: &out) }
            out.append(0x3F)
            out.append(0x3D)
            ends.append(out.count)
            chunkStart = chunkEnd
            chunkQCost = 0
            room = fullRoom
        }
        var i = 0
        while i < bytes.count {
            var j = i + 1
            while j < bytes.count && bytes[j] & 0xC0 == 0x80 { j += 1 }
            var added = 0
            for k in i..<j { added += isQSafe(bytes[k]) ? 1 : 3 }
            let cost = useQ ? chunkQCost + added : (chunkEnd - chunkStart + (j - i) + 2) / 3 * 4
            if cost > room { flush() }
            chunkEnd = j
            chunkQCost += added
            i = j
        }
        flush()
    }

    /// `qEncode` appended as bytes.
    static func appendQ(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        for b in bytes {
            if b == 0x20 {
                out.append(0x5F)
            } else if isQSafe(b) {
                out.append(b)
            } else {
                out.append(0x3D)
                Hex.append(b, to: &out, uppercase: true)
            }
        }
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding (what `Data.base64EncodedString()` gives), appended as bytes.
    static func appendBase64(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let a = base64Alphabet
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(a[Int(v >> 18 & 63)])
            out.append(a[Int(v >> 12 & 63)])
            out.append(a[Int(v >> 6 & 63)])
            out.append(a[Int(v & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let v = UInt32(bytes[i]) << 16
            out.append(a[Int(v >> 18 & 63)])
            out.append(a[Int(v >> 12 & 63)])
            out.append(0x3D)
            out.append(0x3D)
        } else if rest == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(a[Int(v >> 18 & 63)])
            out.append(a[Int(v >> 12 & 63)])
            out.append(a[Int(v >> 6 & 63)])
            out.append(0x3D)
        }
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
