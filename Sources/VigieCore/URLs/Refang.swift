import Foundation

/// Undoes the ways people "defang" links (`hxxps://exemple[.]com`, `exemple point fr`) so that they can be found;
/// a marker is replaced only where it sits between URL parts, so prose keeps its words and brackets.
public enum Refang {
    /// The text with defanged links restored; returned unchanged when there is nothing to undo.
    public static func refang(_ text: String) -> String {
        var copy = text
        let bytes = copy.withUTF8 { refang($0) }
        return bytes.map { String(decoding: $0, as: UTF8.self) } ?? text
    }

    /// The refanged bytes, or nil when nothing changed (the common case costs no copy).
    static func refang(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var refanger = Refanger(input: input)
        refanger.run()
        return refanger.changed ? refanger.finish() : nil
    }

    /// Top-level domains accepted after a spelled-out dot (`exemple point fr`): only those that are not also
    /// common French or English words, so that "point de vue" or "dot me" stay prose.
    static let spelledDotTLDs: Set<String> = [
        "com", "net", "org", "fr", "be", "ch", "uk", "io", "ru", "tv", "info", "xyz", "ly", "gg", "app", "dev",
        "eus", "bzh", "biz", "site", "online", "gouv",
    ]
}

private struct Refanger {
    let input: UnsafeBufferPointer<UInt8>
    var output: [UInt8] = []
    /// Input bytes before this offset are already in `output`.
    var copied = 0
    var changed = false

    init(input: UnsafeBufferPointer<UInt8>) { self.input = input }

    mutating func finish() -> [UInt8] {
        output.append(contentsOf: input[copied...])
        return output
    }

    /// Replaces `input[start..<end]` by `bytes`.
    mutating func replace(_ start: Int, _ end: Int, with bytes: StaticString) {
        if !changed {
            changed = true
            output.reserveCapacity(input.count)
        }
        let start = max(start, copied)
        output.append(contentsOf: input[copied..<start])
        bytes.withUTF8Buffer { output.append(contentsOf: $0) }
        copied = end
    }

    func byte(_ i: Int) -> UInt8? { i >= 0 && i < input.count ? input[i] : nil }

    static func isAlnum(_ b: UInt8?) -> Bool {
        guard let b else { return false }
        return (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A)
    }

    static func isLabel(_ b: UInt8?) -> Bool {
        guard let b else { return false }
        return isAlnum(b) || b == 0x2D || b == 0x5F
    }

    /// Case-insensitive match of an ASCII lowercase literal at `i`.
    func matches(_ literal: StaticString, at i: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard i >= 0, i + count <= input.count else { return false }
        return literal.withUTF8Buffer { lit in
            for k in 0..<count {
                let b = input[i + k]
                let folded = b >= 0x41 && b <= 0x5A ? b | 0x20 : b
                if folded != lit[k] { return false }
            }
            return true
        }
    }

    mutating func run() {
        var i = 0
        let n = input.count
        while i < n {
            let b = input[i]
            switch b {
            case UInt8(ascii: "["), UInt8(ascii: "("), UInt8(ascii: "{"):
                if let end = bracketedMarker(at: i) {
                    i = end
                    continue
                }
            case UInt8(ascii: " "):
                if let end = spelledDot(at: i) {
                    i = end
                    continue
                }
            case UInt8(ascii: "h"), UInt8(ascii: "H"):
                if !Self.isAlnum(byte(i - 1)), let end = scheme(at: i) {
                    i = end
                    continue
                }
            default:
                break
            }
            i += 1
        }
    }

    /// The closing bracket matching `open`.
    static func closing(_ open: UInt8) -> UInt8 {
        switch open {
        case UInt8(ascii: "["): return UInt8(ascii: "]")
        case UInt8(ascii: "("): return UInt8(ascii: ")")
        default: return UInt8(ascii: "}")
        }
    }

    /// `[.]`, `(.)`, `{.}`, `[dot]`, `(dot)`, `[point]` between labels (one space allowed on each side),
    /// and `[://]` / `[:]` before `//`.
    mutating func bracketedMarker(at i: Int) -> Int? {
        let close = Self.closing(input[i])
        var innerEnd = i + 1
        while innerEnd < input.count && innerEnd - i <= 7 && input[innerEnd] != close { innerEnd += 1 }
        guard innerEnd < input.count, input[innerEnd] == close else { return nil }
        let end = innerEnd + 1
        if matches(".", at: i + 1) && innerEnd == i + 2 || (innerEnd == i + 4 && matches("dot", at: i + 1))
            || (innerEnd == i + 6 && matches("point", at: i + 1))
        {
            // A dot between two labels, with at most one space on each side.
            var left = i - 1
            if byte(left) == 0x20 { left -= 1 }
            var right = end
            if byte(right) == 0x20 { right += 1 }
            guard Self.isLabel(byte(left)), Self.isAlnum(byte(right)) else { return nil }
            replace(left + 1, right, with: ".")
            return right
        }
        if innerEnd == i + 4 && matches("://", at: i + 1) {
            guard Self.isAlpha(byte(i - 1)), Self.isAlnum(byte(end)) || byte(end) == UInt8(ascii: "[") else {
                return nil
            }
            replace(i, end, with: "://")
            return end
        }
        if innerEnd == i + 2 && input[i + 1] == UInt8(ascii: ":") && matches("//", at: end) {
            guard Self.isAlpha(byte(i - 1)) else { return nil }
            replace(i, end, with: ":")
            return end
        }
        return nil
    }

    static func isAlpha(_ b: UInt8?) -> Bool {
        guard let b else { return false }
        return b | 0x20 >= 0x61 && b | 0x20 <= 0x7A
    }

    /// ` point ` / ` dot ` between host labels, when the labels that follow end in a well-known top-level domain
    /// or are followed by a path.
    mutating func spelledDot(at i: Int) -> Int? {
        // Most spaces of a report are followed by neither word: two bytes tell.
        guard let next = byte(i + 1), next | 0x20 == UInt8(ascii: "p") || next | 0x20 == UInt8(ascii: "d"),
            let second = byte(i + 2), second | 0x20 == UInt8(ascii: "o")
        else {
            return nil
        }
        let wordLength: Int
        if matches(" point ", at: i) {
            wordLength = 7
        } else if matches(" dot ", at: i) {
            wordLength = 5
        } else {
            return nil
        }
        guard Self.isLabel(byte(i - 1)) else { return nil }
        var j = i + wordLength
        var lastLabel = j..<j
        // Follow the chain of labels: exemple point gouv point fr / exemple[.]gouv point fr.
        for _ in 0..<8 {
            let start = j
            while j < input.count && Self.isLabel(input[j]) { j += 1 }
            guard j > start else { return nil }
            lastLabel = start..<j
            if byte(j) == UInt8(ascii: ".") && Self.isAlnum(byte(j + 1)) {
                j += 1
            } else if matches(" point ", at: j) && Self.isAlnum(byte(j + 7)) {
                j += 7
            } else if matches(" dot ", at: j) && Self.isAlnum(byte(j + 5)) {
                j += 5
            } else if let open = byte(j), open == UInt8(ascii: "[") || open == UInt8(ascii: "("),
                matches(".", at: j + 1), byte(j + 2) == Self.closing(open), Self.isAlnum(byte(j + 3))
            {
                j += 3
            } else {
                break
            }
        }
        let tld = String(decoding: input[lastLabel], as: UTF8.self).lowercased()
        guard byte(j) == UInt8(ascii: "/") || Refang.spelledDotTLDs.contains(tld) else { return nil }
        replace(i, i + wordLength, with: ".")
        return i + wordLength
    }

    /// `hxxp://`, `hXXps://`, `h**ps://`, `https[:]//`, `https[://]`, `http :// ` and the like, before a host.
    mutating func scheme(at i: Int) -> Int? {
        guard let m1 = byte(i + 1), let m2 = byte(i + 2), Self.isSchemeMiddle(m1), Self.isSchemeMiddle(m2),
            let p = byte(i + 3), p | 0x20 == UInt8(ascii: "p")
        else { return nil }
        var k = i + 4
        let secure = byte(k).map { $0 | 0x20 == UInt8(ascii: "s") } ?? false
        if secure { k += 1 }
        let separatorStart = k
        // The separator: one ':' and two '/' with optional brackets, backslashes and spaces around them.
        var colons = 0
        var slashes = 0
        var opens = 0
        var closes = 0
        while k < input.count && k - separatorStart < 12 {
            switch input[k] {
            case UInt8(ascii: ":"): colons += 1
            case UInt8(ascii: "/"): slashes += 1
            case UInt8(ascii: "["), UInt8(ascii: "("), UInt8(ascii: "{"): opens += 1
            case UInt8(ascii: "]"), UInt8(ascii: ")"), UInt8(ascii: "}"): closes += 1
            case UInt8(ascii: " "), UInt8(ascii: "\\"): break
            default:
                if Self.isAlnum(input[k]) && colons == 1 && slashes == 2 { break }
                return nil
            }
            if Self.isAlnum(input[k]) { break }
            k += 1
        }
        guard colons == 1, slashes == 2, opens == closes, Self.isAlnum(byte(k)) else { return nil }
        let plainMiddle = m1 | 0x20 == UInt8(ascii: "t") && m2 | 0x20 == UInt8(ascii: "t")
        guard !plainMiddle || k - separatorStart != 3 else { return nil }
        replace(i, k, with: secure ? "https://" : "http://")
        return k
    }

    static func isSchemeMiddle(_ b: UInt8) -> Bool {
        switch b | 0x20 {
        case UInt8(ascii: "t"), UInt8(ascii: "x"): return true
        default: return b == UInt8(ascii: "*")
        }
    }
}
