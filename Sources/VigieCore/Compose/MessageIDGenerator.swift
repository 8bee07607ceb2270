import Foundation

/// Makes globally unique Message-IDs without leaking anything about the recipient.
public enum MessageIDGenerator {
    /// `1712345678.3f9c…@domain` — without angle brackets (the composer adds them); 128 random bits.
    public static func make(domain: String, date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(domain: domain, date: date, using: &generator)
    }

    /// Same, with an injectable random source for tests.
    public static func make<R: RandomNumberGenerator>(domain: String, date: Date, using random: inout R) -> String {
        let hex = (0..<2).map { _ in
            let v = random.next() as UInt64
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }.joined()
        let seconds = Int(date.timeIntervalSince1970)
        return "\(seconds).\(hex)@\(HeaderEncoding.sanitizeAddress(domain).lowercased())"
    }
}
