import Foundation
import Synchronization

/// The `Date:` field format of RFC 5322 §3.3 with a numeric zone, independent of the process locale.
public enum RFC5322Date {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The last field written, by whole second and zone: a newsletter writes thousands of messages a second.
    private static let last = Mutex<(second: Double, zone: TimeZone, text: String)?>(nil)

    /// `Tue, 05 Mar 2024 14:03:09 +0100`.
    public static func format(_ date: Date, timeZone: TimeZone) -> String {
        let second = date.timeIntervalSince1970.rounded(.down)
        if let text = last.withLock({ $0.flatMap { $0.second == second && $0.zone == timeZone ? $0.text : nil } }) {
            return text
        }
        let text = compute(date, timeZone: timeZone)
        last.withLock { $0 = (second, timeZone, text) }
        return text
    }

    static func compute(_ date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let offset = timeZone.secondsFromGMT(for: date) / 60
        let sign = offset < 0 ? "-" : "+"
        let zone = sign + pad(abs(offset) / 60) + pad(abs(offset) % 60)
        return "\(days[c.weekday! - 1]), \(pad(c.day!)) \(months[c.month! - 1]) \(c.year!) "
            + "\(pad(c.hour!)):\(pad(c.minute!)):\(pad(c.second!)) \(zone)"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
