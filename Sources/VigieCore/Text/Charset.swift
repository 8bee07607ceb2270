import Foundation

/// Turns the bytes of a mail part into text, whatever charset its sender declared (or forgot to declare).
public enum Charset {
    /// Decodes `bytes` from `charset` (an IANA name or common alias; nil when undeclared); `warning` says when the
    /// result is a guess.
    public static func decode(_ bytes: [UInt8], charset: String?) -> (text: String, warning: String?) {
        let name = charset.map(normalize) ?? ""
        switch name {
        case "", "us-ascii", "ascii", "ansi-x3.4-1968", "us", "iso646-us", "unknown-8bit", "x-unknown-8bit":
            return (undeclared(bytes), nil)
        case "utf-8", "utf8", "x-utf-8", "unicode-1-1-utf-8":
            if let s = String(validating: bytes, as: UTF8.self) { return (s, nil) }
            return (
                String(decoding: bytes, as: UTF8.self),
                "invalid UTF-8 in a part declared utf-8: bad bytes replaced"
            )
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso-ir-100", "ibm819", "cp819", "iso-8859-1:1987":
            return (singleByte(bytes, high: latin1High), nil)
        case "windows-1252", "cp1252", "x-cp1252", "win-1252", "ms-ansi":
            return (singleByte(bytes, high: windows1252High), nil)
        case "iso-8859-15", "iso8859-15", "latin9", "latin-9", "l9", "iso-8859-15:1998":
            return (singleByte(bytes, high: latin9High), nil)
        default:
            break
        }
        if let encoding = foundationEncodings[name], let s = String(bytes: bytes, encoding: encoding) {
            return (s, nil)
        }
        let shown = charset ?? ""
        let known = foundationEncodings[name] != nil
        let text = undeclared(bytes)
        let why = known ? "bytes invalid for charset" : "unknown charset"
        return (text, "\(why) \"\(shown)\": decoded as UTF-8 or windows-1252")
    }

    /// True when `charset` names an encoding this decoder knows.
    public static func isKnown(_ charset: String) -> Bool {
        let name = normalize(charset)
        return decode([], charset: name).warning == nil
    }

    /// Undeclared 8-bit text: UTF-8 when it is valid, windows-1252 otherwise (what most senders really meant).
    static func undeclared(_ bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        return singleByte(bytes, high: windows1252High)
    }

    /// Lowercased, unquoted, `_` as `-`, without an RFC 2231 language suffix (`utf-8*fr`); byte-wise, since it runs
    /// for every part and encoded-word.
    static func normalize(_ charset: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(charset.utf8.count)
        for c in charset.utf8 {
            switch c {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\""), UInt8(ascii: "'"): continue
            case UInt8(ascii: "*"): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "_"): out.append(UInt8(ascii: "-"))
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): out.append(c | 0x20)
            default: out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a single-byte charset whose bytes 0x00–0x7F are ASCII and 0x80–0xFF map through `high`.
    static func singleByte(_ bytes: [UInt8], high: [UInt16]) -> String {
        if !bytes.contains(where: { $0 >= 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 4)
        for b in bytes {
            if b < 0x80 {
                out.append(b)
                continue
            }
            let scalar = high[Int(b) - 0x80]
            if scalar < 0x800 {
                out.append(UInt8(0xC0 | (scalar >> 6)))
                out.append(UInt8(0x80 | (scalar & 0x3F)))
            } else {
                out.append(UInt8(0xE0 | (scalar >> 12)))
                out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                out.append(UInt8(0x80 | (scalar & 0x3F)))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let latin1High: [UInt16] = (0x80...0xFF).map { UInt16($0) }

    /// windows-1252: 0x80–0x9F are typographic characters (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ);
    /// the five undefined positions keep their C1 code point, as browsers do.
    static let windows1252High: [UInt16] = {
        var table = latin1High
        let c1: [UInt16] = [
            0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
            0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
            0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
            0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
        ]
        for (i, v) in c1.enumerated() { table[i] = v }
        return table
    }()

    /// ISO-8859-15 (Latin-9): Latin-1 with eight positions replaced, among them € at 0xA4.
    static let latin9High: [UInt16] = {
        var table = latin1High
        let changes: [(Int, UInt16)] = [
            (0xA4, 0x20AC), (0xA6, 0x0160), (0xA8, 0x0161), (0xB4, 0x017D),
            (0xB8, 0x017E), (0xBC, 0x0152), (0xBD, 0x0153), (0xBE, 0x0178),
        ]
        for (byte, scalar) in changes { table[byte - 0x80] = scalar }
        return table
    }()

    /// Charsets left to Foundation, keyed by normalized name (`_` already turned into `-`); CoreFoundation raw values
    /// where no named constant exists.
    static let foundationEncodings: [String: String.Encoding] = {
        func cf(_ raw: UInt) -> String.Encoding { String.Encoding(rawValue: 0x8000_0000 | raw) }
        var map: [String: String.Encoding] = [
            "iso-8859-2": .isoLatin2, "latin2": .isoLatin2, "l2": .isoLatin2,
            "windows-1250": .windowsCP1250, "cp1250": .windowsCP1250,
            "windows-1251": .windowsCP1251, "cp1251": .windowsCP1251,
            "windows-1253": .windowsCP1253, "cp1253": .windowsCP1253,
            "windows-1254": .windowsCP1254, "cp1254": .windowsCP1254,
            "shift-jis": .shiftJIS, "sjis": .shiftJIS, "x-sjis": .shiftJIS,
            "euc-jp": .japaneseEUC, "iso-2022-jp": .iso2022JP,
            "macintosh": .macOSRoman, "mac": .macOSRoman, "x-mac-roman": .macOSRoman,
            "utf-16": .utf16, "utf-16le": .utf16LittleEndian, "utf-16be": .utf16BigEndian,
            "utf-32": .utf32, "utf-32le": .utf32LittleEndian, "utf-32be": .utf32BigEndian,
        ]
        let raw: [(String, UInt)] = [
            ("iso-8859-3", 0x0203), ("iso-8859-4", 0x0204), ("iso-8859-5", 0x0205), ("iso-8859-6", 0x0206),
            ("iso-8859-7", 0x0207), ("iso-8859-8", 0x0208), ("iso-8859-9", 0x0209), ("latin5", 0x0209),
            ("iso-8859-10", 0x020A), ("iso-8859-13", 0x020D), ("iso-8859-14", 0x020E), ("iso-8859-16", 0x0210),
            ("windows-1255", 0x0505), ("windows-1256", 0x0506), ("windows-1257", 0x0507),
            ("windows-1258", 0x0508), ("koi8-r", 0x0A02), ("koi8-u", 0x0A08),
            ("gb2312", 0x0930), ("gbk", 0x0631), ("gb18030", 0x0632), ("big5", 0x0A03),
            ("euc-kr", 0x0940), ("ks-c-5601-1987", 0x0940),
        ]
        for (name, value) in raw { map[name] = cf(value) }
        return map
    }()
}
