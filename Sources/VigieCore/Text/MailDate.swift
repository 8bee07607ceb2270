import Foundation

/// Reads the Date header of real mail: RFC 5322 and the broken forms clients and scripts still send (no weekday,
/// two-digit years, `GMT+0200`, zone names, ISO 8601, French month names, `dd/mm/yyyy`).
public enum MailDate {
    /// The instant written in `value`, or nil when no plausible date is found.
    public static func parse(_ value: String) -> Date? {
        let tokens = tokenize(value)
        var day: Int?
        var month: Int?
        var year: Int?
        var time: (Int, Int, Int)?
        var offset: Int?
        var namedOffset: Int?
        var index = 0
        while index < tokens.count {
            switch tokens[index] {
            case .word(let w):
                if w == "t" || w == "z" && time != nil {
                    if w == "z" { offset = 0 }
                } else if let m = monthNumber(w) {
                    month = m
                } else if let z = zoneNames[w] {
                    namedOffset = z
                }
            case .number(let digits):
                guard let v = Int(digits) else { break }
                if digits.count == 4 && year == nil {
                    year = v
                } else if day == nil && digits.count <= 2 && v >= 1 && v <= 31 {
                    day = v
                } else if year == nil && month != nil && day != nil && digits.count <= 2 {
                    year = v < 50 ? 2000 + v : 1900 + v
                }
            case .date(let parts):
                // dd/mm/yyyy (the French order) or yyyy-mm-dd.
                if parts[0] > 31 {
                    (year, month, day) = (parts[0], parts[1], parts[2])
                } else {
                    let y = parts[2]
                    (day, month, year) = (parts[0], parts[1], y < 100 ? (y < 50 ? 2000 + y : 1900 + y) : y)
                }
            case .time(let h, let m, let s):
                if time == nil { time = (h, m, s) }
            case .zone(let seconds):
                if time != nil || offset == nil { offset = seconds }
            }
            index += 1
        }
        guard let y = year, let mo = month, let d = day else { return nil }
        let (h, mi, s) = time ?? (0, 0, 0)
        return make(
            year: y, month: mo, day: d, hour: h, minute: mi, second: s,
            offsetSeconds: offset ?? namedOffset ?? 0)
    }

    /// The instant for civil date-time fields at a UTC offset; nil when a field is out of range.
    public static func make(
        year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
        offsetSeconds: Int
    ) -> Date? {
        var year = year
        if year < 50 { year += 2000 } else if year < 1000 { year += 1900 }
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
            (0...60).contains(second), abs(offsetSeconds) < 24 * 3600, year < 10000
        else { return nil }
        // Days from civil (Howard Hinnant's algorithm): no Calendar, so it stays fast and locale-free.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offsetSeconds
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    enum Token {
        case word(String)
        case number(String)
        case date([Int])
        case time(Int, Int, Int)
        case zone(Int)
    }

    static func tokenize(_ value: String) -> [Token] {
        let b = Array(value.utf8.prefix(200))
        var tokens: [Token] = []
        var i = 0
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c >= 0x80 }
        func digits(from start: Int) -> (String, Int) {
            var j = start
            while j < b.count, isDigit(b[j]) { j += 1 }
            return (String(decoding: b[start..<j], as: UTF8.self), j)
        }
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "(") {
                // A comment such as `(CEST)`: only used when no numeric zone is given.
                var j = i + 1
                while j < b.count, b[j] != UInt8(ascii: ")") { j += 1 }
                let inner = String(decoding: b[min(i + 1, b.count)..<j], as: UTF8.self).lowercased()
                    .trimmingCharacters(in: .whitespaces)
                if zoneNames[inner] != nil { tokens.append(.word(inner)) }
                i = j + 1
            } else if isLetter(c) {
                var j = i
                while j < b.count, isLetter(b[j]) { j += 1 }
                tokens.append(.word(String(decoding: b[i..<j], as: UTF8.self).lowercased()))
                i = j
            } else if isDigit(c) {
                let (first, j) = digits(from: i)
                if j < b.count, b[j] == UInt8(ascii: ":") {
                    // hh:mm[:ss]
                    let (mm, k) = digits(from: j + 1)
                    var ss = "0"
                    var end = k
                    if k < b.count, b[k] == UInt8(ascii: ":") {
                        let (s, e) = digits(from: k + 1)
                        ss = s.isEmpty ? "0" : s
                        end = e
                    }
                    if end < b.count, b[end] == UInt8(ascii: "."), end + 1 < b.count, isDigit(b[end + 1]) {
                        end = digits(from: end + 1).1  // fractional seconds
                    }
                    if let h = Int(first), let m = Int(mm), let s = Int(ss) { tokens.append(.time(h, m, s)) }
                    i = end
                } else if j < b.count,
                    b[j] == UInt8(ascii: "/") || (b[j] == UInt8(ascii: "-") && first.count == 4)
                        || (b[j] == UInt8(ascii: ".") && first.count <= 2)
                {
                    let sep = b[j]
                    let (second, k) = digits(from: j + 1)
                    if k < b.count, b[k] == sep {
                        let (third, e) = digits(from: k + 1)
                        if let a = Int(first), let m = Int(second), let d = Int(third) {
                            tokens.append(.date([a, m, d]))
                        }
                        i = e
                    } else {
                        tokens.append(.number(first))
                        i = j
                    }
                } else {
                    tokens.append(.number(first))
                    i = j
                }
            } else if (c == UInt8(ascii: "+") || c == UInt8(ascii: "-")), i + 1 < b.count, isDigit(b[i + 1]),
                tokens.contains(where: { if case .time = $0 { return true } else { return false } })
            {
                let (d, j) = digits(from: i + 1)
                var hours = 0
                var minutes = 0
                var end = j
                if d.count == 4 {
                    hours = Int(d.prefix(2)) ?? 0
                    minutes = Int(d.suffix(2)) ?? 0
                } else if d.count <= 2 {
                    hours = Int(d) ?? 0
                    if j < b.count, b[j] == UInt8(ascii: ":") {
                        let (m, e) = digits(from: j + 1)
                        minutes = Int(m) ?? 0
                        end = e
                    }
                }
                let sign = c == UInt8(ascii: "-") ? -1 : 1
                tokens.append(.zone(sign * (hours * 3600 + minutes * 60)))
                i = end
            } else {
                i += 1
            }
        }
        return tokens
    }

    static func monthNumber(_ word: String) -> Int? {
        let w = word.replacingOccurrences(of: "é", with: "e").replacingOccurrences(of: "û", with: "u")
        guard w.count >= 3 else { return nil }
        let p3 = String(w.prefix(3))
        switch p3 {
        case "jan": return 1
        case "feb", "fev": return 2
        case "mar": return 3
        case "apr", "avr": return 4
        case "may", "mai": return 5
        case "jun": return 6
        case "jul": return 7
        case "aug", "aou": return 8
        case "sep": return 9
        case "oct": return 10
        case "nov": return 11
        case "dec": return 12
        case "jui": return w.hasPrefix("juil") ? 7 : (w.hasPrefix("juin") ? 6 : nil)
        default: return nil
        }
    }

    static let zoneNames: [String: Int] = [
        "gmt": 0, "ut": 0, "utc": 0, "z": 0, "wet": 0, "bst": 3600, "west": 3600, "cet": 3600, "met": 3600,
        "cest": 7200, "mest": 7200, "eet": 7200, "eest": 10800,
        "est": -5 * 3600, "edt": -4 * 3600, "cst": -6 * 3600, "cdt": -5 * 3600,
        "mst": -7 * 3600, "mdt": -6 * 3600, "pst": -8 * 3600, "pdt": -7 * 3600,
    ]
}
