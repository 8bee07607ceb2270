import Foundation
import Logging
import VigieCore
import VigieStore

/// Sends the daily digest once per period: `tick` records the due period and enqueues one digest per moderator in
/// one transaction. A restart within the day finds the period recorded and does nothing; a start after missed
/// instants catches up once (the latest period); a crash after the commit leaves the messages in the outbox, whose
/// dedupe keys keep it at one per recipient.
public struct DigestScheduler: Sendable {
    let service: DigestService

    /// When the next digest is due after `now` (nil when there is no schedule or the digest is off).
    public func next(after now: Date) -> Date? {
        guard isActive, let s = service.settings.schedule else { return nil }
        return s.next(after: now)
    }

    var isActive: Bool { service.settings.enabled && !service.settings.to.isEmpty && service.settings.schedule != nil }

    /// Serves the period due at `now`, if any; returns it when this call recorded it.
    @discardableResult
    public func tick(now: Date) throws -> String? {
        guard isActive, let schedule = service.settings.schedule else { return nil }
        let last = try service.store.lastScheduleRun(.digest)
        guard let due = schedule.due(at: now, lastServed: last?.period) else { return nil }
        let items = try service.items(
            period: due.period, content: try service.content(now: now),
            to: service.settings.to, now: now)
        guard let inserted = try service.store.recordScheduleRun(.digest, period: due.period, items: items, now: now)
        else { return nil }
        service.logger.info("digest \(due.period) (scheduled \(due.at)): \(inserted.count) message(s) enqueued")
        return due.period
    }
}
