import Foundation
import VigieCore
import VigieStore

extension AppContext {
    /// The rechecks of notified contents, closing confirmed removals through the moderation workflow.
    /// `rules`: how each platform is checked (the built-in defaults unless given).
    public func linkChecks(
        rules: @escaping @Sendable (Platform) -> PlatformCheckRule = PlatformCheckRule.builtIn
    ) throws -> LinkCheckService {
        LinkCheckService(
            store: try store(), moderation: try moderation(), settings: config.rechecks, rules: rules,
            logger: logger)
    }

    /// The platforms' record over [since, until) (`vigie stats platforms`), judged as of `until` or `now` if sooner,
    /// with the offences' labels when the offences file reads.
    public func platformRecord(since: Date?, until: Date?, now: Date = Date()) throws -> PlatformRecordReport {
        let records = try store().noticeRecords(since: since, until: until)
        let offences = (try? ModerationService.loadOffences(path: config.offencesFile)) ?? []
        return PlatformRecordReport(
            record: PlatformRecord(records, asOf: min(until ?? now, now)), since: since, until: until,
            offenceLabels: Dictionary(offences.map { ($0.code, $0.label) }, uniquingKeysWith: { a, _ in a }),
            organisation: config.organisation.name)
    }
}
