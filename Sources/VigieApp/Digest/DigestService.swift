import Foundation
import Logging
import VigieCore
import VigieStore

/// The moderators' digest: what it says now (`--dry-run`), and enqueueing it once per period.
public struct DigestService: Sendable {
    let store: Store
    let settings: DigestSettings
    let builder: DigestBuilder
    let mail: DigestMail
    let logger: Logger

    /// What `vigie digest send` did.
    public struct SendResult: Sendable, Equatable {
        public var period: String
        /// Messages enqueued now.
        public var enqueued: Int
        /// Recipients who had this period's digest already (left out).
        public var already: Int
    }

    /// A rendering of the digest as it would go now: subject, text and HTML.
    public struct Preview: Sendable {
        public var subject: String
        public var text: String
        public var html: String
    }

    /// The digest as it would be sent at `now`, enqueueing nothing.
    public func preview(now: Date = Date()) throws -> Preview {
        let r = try mail.digest(try content(now: now))
        return Preview(subject: r.subject, text: r.text, html: r.html)
    }

    /// Enqueues the current period's digest for the queue's `to` (the period is recorded, so the scheduled digest
    /// of this period is this one) or for `addresses` (a copy; nothing recorded). A recipient who had this period's
    /// digest gets nothing more.
    public func send(to addresses: [String] = [], now: Date = Date()) throws -> SendResult {
        let recipients: [MailAddress]
        if addresses.isEmpty {
            guard settings.enabled else {
                throw ConfigError(
                    "\(settings.file): the digest is disabled (enabled = false); set enabled = true, or "
                        + "use --dry-run or --to ADDRESS")
            }
            guard !settings.to.isEmpty else {
                throw ConfigError("\(settings.file): to is empty; list the moderators' addresses or use --to ADDRESS")
            }
            recipients = settings.to
        } else {
            recipients = try addresses.map { a in
                guard !a.unicodeScalars.contains(where: SafeText.isUnsafe), let v = EmailAddress.validate(a) else {
                    throw ConfigError(
                        "--to \(SafeText.quoted(a)) is not an e-mail address; write one like "
                            + "moderation@example.org")
                }
                return MailAddress(address: v)
            }
        }
        let period = currentPeriod(now: now)
        let items = try items(period: period, content: try content(now: now), to: recipients, now: now)
        var inserted: [String]?
        if addresses.isEmpty { inserted = try store.recordScheduleRun(.digest, period: period, items: items, now: now) }
        if inserted == nil { inserted = try store.enqueue(items, now: now) }
        let n = inserted?.count ?? 0
        logger.info("digest \(period): \(n) message(s) enqueued, \(recipients.count - n) recipient(s) had it already")
        return SendResult(period: period, enqueued: n, already: recipients.count - n)
    }

    /// The period a send at `now` belongs to: the latest scheduled instant's, or today's without a schedule.
    func currentPeriod(now: Date) -> String {
        if let s = settings.schedule { return s.latest(atOrBefore: now).period }
        return DailySchedule(hour: 0, minute: 0, timeZone: settings.timeZone).period(of: now)
    }

    /// The content of a digest sent at `now`: since the last recorded digest, or the last 24 h.
    func content(now: Date) throws -> DigestContent {
        if let at = try store.lastScheduleRun(.digest)?.at, at < now {
            return try builder.build(since: at, until: now, sinceLastDigest: true, top: settings.top)
        }
        return try builder.build(
            since: now.addingTimeInterval(-86_400), until: now, sinceLastDigest: false,
            top: settings.top)
    }

    /// One digest message per recipient, dedupe key `digest:PERIOD:ADDRESS`.
    func items(period: String, content: DigestContent, to: [MailAddress], now: Date) throws -> [OutboxItem] {
        mail.items(
            try mail.digest(content), kind: .digest, dedupePrefix: "digest:\(period)",
            subjectRef: "digest:\(period)", to: to, now: now)
    }
}
