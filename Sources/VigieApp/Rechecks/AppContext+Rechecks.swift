import Foundation
import VigieCore
import VigieStore

extension AppContext {
    /// How each platform's contents are checked: the one place `platforms.toml`'s `check`, `oembed_endpoint`,
    /// `login_wall_hosts` and `removed_final_hosts` plug in (the built-in defaults until then).
    public func platformCheckRules() throws -> @Sendable (Platform) -> PlatformCheckRule {
        PlatformCheckRule.builtIn
    }

    /// The rechecks of notified contents, closing confirmed removals through the moderation workflow.
    public func linkChecks() throws -> LinkCheckService {
        LinkCheckService(
            store: try store(), moderation: try moderation(), settings: config.rechecks,
            rules: try platformCheckRules(), logger: logger)
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
