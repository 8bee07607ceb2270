import Foundation

/// A once-a-day time in a time zone ("08:00", Europe/Paris), and the periods it defines.
///
/// A period is the local calendar day of a scheduled instant, written `YYYY-MM-DD`. A scheduler records the period
/// it served before sending, so a restart within the day sends nothing more, and a start after a missed instant
/// catches up once (the latest period only, never one per missed day).
public struct DailySchedule: Sendable, Hashable {
    public var hour: Int
    public var minute: Int
    public var timeZone: TimeZone

    public init(hour: Int, minute: Int, timeZone: TimeZone) {
        self.hour = hour
        self.minute = minute
        self.timeZone = timeZone
    }

    /// Parses "HH:MM" (24-hour clock); nil when malformed or out of range.
    public init?(_ text: String, timeZone: TimeZone) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
            let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        self.init(hour: h, minute: m, timeZone: timeZone)
    }

    var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }

    /// The scheduled instant on the local day that contains `day`. On a day when the time does not exist (the
    /// spring DST gap) it is the first instant after the gap; when it exists twice (autumn), the first one.
    public func instant(onDayOf day: Date) -> Date {
        let c = calendar
        let start = c.startOfDay(for: day)
        return c.date(
            bySettingHour: hour, minute: minute, second: 0, of: start,
            matchingPolicy: .nextTime, repeatedTimePolicy: .first, direction: .forward)
            ?? start.addingTimeInterval(Double(hour * 3600 + minute * 60))
    }

    /// The latest scheduled instant at or before `now`, with its period.
    public func latest(atOrBefore now: Date) -> (period: String, at: Date) {
        var at = instant(onDayOf: now)
        if at > now {
            let yesterday = calendar.date(byAdding: .day, value: -1, to: now) ?? now.addingTimeInterval(-86_400)
            at = instant(onDayOf: yesterday)
        }
        return (period(of: at), at)
    }

    /// The first scheduled instant strictly after `now`.
    public func next(after now: Date) -> Date {
        let today = instant(onDayOf: now)
        if today > now { return today }
        let tomorrow = calendar.date(byAdding: .day, value: 1, to: now) ?? now.addingTimeInterval(86_400)
        return instant(onDayOf: tomorrow)
    }

    /// The period (`YYYY-MM-DD`, local date) that `instant` belongs to.
    public func period(of instant: Date) -> String {
        let d = calendar.dateComponents([.year, .month, .day], from: instant)
        return String(format: "%04d-%02d-%02d", d.year ?? 0, d.month ?? 0, d.day ?? 0)
    }

    /// The period due at `now` given the last one served: the latest period when it is newer, else nil.
    /// Periods compare as strings because `YYYY-MM-DD` sorts like the dates it names.
    public func due(at now: Date, lastServed: String?) -> (period: String, at: Date)? {
        let latest = latest(atOrBefore: now)
        if let lastServed, lastServed >= latest.period { return nil }
        return latest
    }
}
