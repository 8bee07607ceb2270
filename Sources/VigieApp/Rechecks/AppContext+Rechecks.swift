import Foundation
import VigieCore
import VigieStore

extension AppContext {
    /// How each platform's contents are checked: `platforms.toml`'s `check` and `oembed_endpoint` where its table
    /// sets them, its `login_wall_hosts` and `removed_final_hosts` added to the built-in ones; the built-in rule for
    /// a platform without a table (or without the file).
    public func platformCheckRules() throws -> @Sendable (Platform) -> PlatformCheckRule {
        guard FileManager.default.fileExists(atPath: config.platformsFile) else { return PlatformCheckRule.builtIn }
        let directory = try platformDirectory()
        var rules: [Platform: PlatformCheckRule] = [:]
        for platform in Platform.allCases {
            guard let entry = directory.entry(for: platform) else { continue }
            rules[platform] = PlatformCheckRule.builtIn(for: platform).overridden(by: entry)
        }
        return { [rules] platform in rules[platform] ?? PlatformCheckRule.builtIn(for: platform) }
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

extension PlatformCheckRule {
    /// This rule with a `platforms.toml` entry applied: its method and endpoint replace the built-in ones, its host
    /// lists add to them.
    public func overridden(by entry: PlatformEntry) -> PlatformCheckRule {
        var r = self
        r.method = entry.check
        if entry.check == .oembed { r.oembedEndpoint = entry.oembedEndpoint ?? oembedEndpoint }
        r.loginWallHosts += entry.loginWallHosts.filter { !loginWallHosts.contains($0) }
        r.removedFinalHosts += entry.removedFinalHosts.filter { !removedFinalHosts.contains($0) }
        return r
    }
}
