import Foundation

/// A TOML date, time or date-time: the text as written, its fields, and a `Date` when it names an instant.
public struct TOMLDateTime: Sendable, Hashable, CustomStringConvertible {
    /// The four shapes TOML allows; only an offset date-time is an instant by itself.
    public enum Kind: Sendable, Hashable {
        case offsetDateTime
        case localDateTime
        case localDate
        case localTime
    }

    /// Which of the four shapes this is.
    public var kind: Kind
    /// The value exactly as written in the document.
    public var text: String
    /// Calendar fields, nil when the shape has none (a local time has no year).
    public var year: Int?
    /// 1…12.
    public var month: Int?
    /// 1…31, valid for the month.
    public var day: Int?
    /// 0…23.
    public var hour: Int?
    /// 0…59.
    public var minute: Int?
    /// 0…60 (a leap second is accepted, as in RFC 3339).
    public var second: Int?
    /// Fractional seconds, truncated to nanoseconds.
    public var nanosecond: Int?
    /// Seconds east of UTC; set only for offset date-times (`Z` is 0).
    public var offsetSeconds: Int?

    /// Builds a value from its fields; the parser validates them, this initializer does not.
    public init(
        kind: Kind, text: String, year: Int? = nil, month: Int? = nil, day: Int? = nil, hour: Int? = nil,
        minute: Int? = nil, second: Int? = nil, nanosecond: Int? = nil, offsetSeconds: Int? = nil
    ) {
        self.kind = kind
        self.text = text
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
        self.offsetSeconds = offsetSeconds
    }

    /// The instant, for an offset date-time; local values need a time zone (see `date(in:)`).
    public var date: Date? {
        guard kind == .offsetDateTime, let offsetSeconds else { return nil }
        return instant(offset: offsetSeconds)
    }

    /// The instant in `timeZone` for local date-times and dates (midnight); the instant itself for offset ones.
    public func date(in timeZone: TimeZone) -> Date? {
        switch kind {
        case .offsetDateTime:
            return date
        case .localDateTime, .localDate:
            guard let utc = instant(offset: 0) else { return nil }
            // Two passes settle the offset around daylight-saving changes.
            let firstGuess = utc.addingTimeInterval(-Double(timeZone.secondsFromGMT(for: utc)))
            return utc.addingTimeInterval(-Double(timeZone.secondsFromGMT(for: firstGuess)))
        case .localTime:
            return nil
        }
    }

    /// The text as written.
    public var description: String { text }

    private func instant(offset: Int) -> Date? {
        guard let year, let month, let day else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + (hour ?? 0) * 3600 + (minute ?? 0) * 60 + (second ?? 0) - offset
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanosecond ?? 0) / 1e9)
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The number of days in a month of the Gregorian calendar.
    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
