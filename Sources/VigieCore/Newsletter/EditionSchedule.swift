import Foundation

/// Where a scheduled edition stands: waiting for its time, being sent (it can no longer be unscheduled), sent.
public enum ScheduledEditionState: String, Sendable, Codable, CaseIterable {
    case scheduled, sending, sent
}

/// An edition queued for `serve`, with the text of its file as it was scheduled.
public struct ScheduledEdition: Sendable, Equatable {
    public var id: Int64
    public var editionID: String
    /// The newsletter queue; nil: the first one.
    public var queue: String?
    public var source: String
    public var sourceSHA256: String
    public var sendAt: Date
    public var state: ScheduledEditionState
    public var createdAt: Date
    public var startedAt: Date?
    public var sentAt: Date?

    public init(
        id: Int64, editionID: String, queue: String?, source: String, sourceSHA256: String, sendAt: Date,
        state: ScheduledEditionState, createdAt: Date, startedAt: Date?, sentAt: Date?
    ) {
        self.id = id
        self.editionID = editionID
        self.queue = queue
        self.source = source
        self.sourceSHA256 = sourceSHA256
        self.sendAt = sendAt
        self.state = state
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.sentAt = sentAt
    }
}

/// The instant an edition is to be sent, from `--at` or the edition's `send_at`.
public enum EditionSchedule {
    /// Reads an ISO 8601 date and time, with an offset (`2026-11-21T07:30:00+01:00`, `…Z`) or local to `timeZone`
    /// (`2026-11-21T07:30`, `2026-11-21 07:30:00`); nil when the text is not one.
    public static func instant(_ text: String, timeZone: TimeZone = .current) -> Date? {
        var t = text.trimmingCharacters(in: .whitespaces)
        // Seconds may be left out (`07:30`): TOML wants them.
        let chars = Array(t)
        if chars.count >= 16, chars[10] == "T" || chars[10] == "t" || chars[10] == " ", chars[13] == ":",
            chars.count == 16 || chars[16] != ":"
        {
            t = String(chars[..<16]) + ":00" + String(chars[16...])
        }
        // Only the characters of a date-time reach the TOML reader, whose date-time grammar is ISO 8601's.
        guard !t.isEmpty, t.count <= 40, t.allSatisfy({ $0.isASCII && ($0.isNumber || "-:+.TZtz ".contains($0)) }),
            let table = try? TOML.parse("at = " + t),
            let d = table["at"]?.datetimeValue, d.kind == .offsetDateTime || d.kind == .localDateTime
        else {
            return nil
        }
        return d.date(in: timeZone)
    }

    /// The instant of an edition's `send_at` (local date-times in `timeZone`).
    public static func instant(_ value: TOMLDateTime, timeZone: TimeZone = .current) -> Date? {
        value.date(in: timeZone)
    }
}
