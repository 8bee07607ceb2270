/// Text written by citizens, subscribers or operators, made safe to show: no control sequence reaches a terminal.
///
/// Escaped: every C0 control (U+0000–U+001F), DEL, every C1 control (U+0080–U+009F, which terminals may read as
/// CSI or OSC), the bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069, "Trojan Source"), the
/// invisible bidi marks (U+061C, U+200E, U+200F) and the Unicode line and paragraph separators (U+2028, U+2029). Each
/// becomes `\uXXXX` (`\n`, `\r`, `\t` for the usual three), the notation JSON uses, so a moderator sees that something
/// was there and what. Backslashes are left as written: the escaping is for display, not a reversible encoding.
public enum SafeText {
    /// Whether a scalar is never written raw.
    public static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069:
            return true
        default:
            return false
        }
    }

    /// A single-line field (an address, a subject, a name): line breaks and tabs are escaped too.
    public static func line(_ s: String) -> String { escape(s, keepLayout: false) }

    /// A block of text (a message body, a whole table): line breaks (CRLF as LF) and tabs are kept.
    public static func block(_ s: String) -> String { escape(s, keepLayout: true) }

    /// A value quoted in an error message: `"value"`, always on one line.
    public static func quoted(_ s: String) -> String { "\"" + line(s) + "\"" }

    /// JSON text with the unsafe scalars an encoder leaves raw inside strings (DEL, C1, bidi, U+2028/9) as `\uXXXX`;
    /// the structure and the decoded values are unchanged.
    public static func json(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value >= 0x7F && isUnsafe($0) }) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s.value >= 0x7F && isUnsafe(s) { out.append(contentsOf: hex(s).unicodeScalars) } else { out.append(s) }
        }
        return String(out)
    }

    static func escape(_ s: String, keepLayout: Bool) -> String {
        guard s.unicodeScalars.contains(where: isUnsafe) else { return s }
        var out = String.UnicodeScalarView()
        var scalars = s.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let c = pending {
            pending = scalars.next()
            guard isUnsafe(c) else {
                out.append(c)
                continue
            }
            switch c {
            case "\n" where keepLayout, "\t" where keepLayout:
                out.append(c)
            case "\r" where keepLayout && pending == "\n":
                continue  // CRLF shown as a plain line break
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            default: out.append(contentsOf: hex(c).unicodeScalars)
            }
        }
        return String(out)
    }

    static func hex(_ s: Unicode.Scalar) -> String {
        let h = String(s.value, radix: 16, uppercase: true)
        return "\\u" + String(repeating: "0", count: max(0, 4 - h.count)) + h
    }
}
