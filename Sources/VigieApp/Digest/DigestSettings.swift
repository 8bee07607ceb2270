import Foundation
import VigieCore

/// `queues/digest.toml`, typed: who gets the digest and alerts, when, and from whom.
public struct DigestSettings: Sendable {
    public var queue: String
    public var file: String
    public var enabled: Bool
    public var to: [MailAddress]
    public var top: Int
    /// nil: no daily digest, only `vigie digest send`.
    public var schedule: DailySchedule?
    public var timeZone: TimeZone
    public var subject: String?
    /// 0 = no alerts.
    public var alertReporters: Int
    public var alertWindowHours: Int
    public var from: MailAddress

    /// The checks `config check` and every command share: addresses, schedule, time zone.
    static func check(
        _ r: TOMLReader, enabled: Bool
    ) throws
        -> (to: [MailAddress], schedule: DailySchedule?, timeZone: TimeZone)
    {
        typealias D = QueueKeys.Digest
        let to = try D.to.read(r).map { try ConfigLoader.mailAddress($0, file: r.file, key: "to") }
        if enabled && to.isEmpty {
            throw ConfigError(
                "\(r.file): to is empty; list the moderators' addresses, e.g. "
                    + "to = [\"moderation@example.org\"] (or set enabled = false)")
        }
        let zoneName = try D.timezone.read(r)
        guard let zone = TimeZone(identifier: zoneName), zoneName.contains("/") || zoneName == "UTC" else {
            throw ConfigError(
                "\(r.file): timezone \(SafeText.quoted(zoneName)) is not a known time zone; write an "
                    + "IANA name such as \"Europe/Paris\"")
        }
        var schedule: DailySchedule?
        if let text = try D.schedule.read(r) {
            guard let s = DailySchedule(text, timeZone: zone) else {
                throw ConfigError(
                    "\(r.file): schedule must be a time of day \"HH:MM\" (24-hour clock), e.g. "
                        + "\"08:00\"; found \(SafeText.quoted(text))")
            }
            schedule = s
        }
        return (to, schedule, zone)
    }

    /// Reads the queue's keys (type-checked by the loader); the sender falls back to `[smtp] from`.
    public static func from(_ q: OutboundQueue, config: VigieConfig) throws -> DigestSettings {
        let r = TOMLReader(table: q.table, file: q.file)
        typealias D = QueueKeys.Digest
        let (to, schedule, zone) = try check(r, enabled: q.enabled)
        let from = try ConfigLoader.mailAddress(
            try QueueKeys.Relay.from.read(r) ?? config.smtp.from, file: q.file,
            key: "from (or [smtp] from)")
        return DigestSettings(
            queue: q.name, file: q.file, enabled: q.enabled, to: to, top: try D.top.read(r),
            schedule: schedule, timeZone: zone, subject: try D.subject.read(r),
            alertReporters: try D.alertReporters.read(r),
            alertWindowHours: try D.alertWindowHours.read(r), from: from)
    }
}
