import Foundation
import Logging
import VigieCore
import VigieStore

/// The moderators' workflow: qualify against an offence, mark the platform's answer, write the DSA notice.
public struct ModerationService: Sendable {
    let store: Store
    let offences: [Offence]
    let organisation: VigieConfig.Organisation
    let templates: TemplateRenderer
    let weights: PriorityWeights
    /// Writes the outcome notices a removal owes its reporters; nil: none are sent.
    let acknowledger: Acknowledger?

    public init(
        store: Store, offences: [Offence], organisation: VigieConfig.Organisation, templates: TemplateRenderer,
        weights: PriorityWeights, acknowledger: Acknowledger? = nil
    ) {
        self.store = store
        self.offences = offences
        self.organisation = organisation
        self.templates = templates
        self.weights = weights
        self.acknowledger = acknowledger
    }

    /// Reads the offences file (`[[offence]]` tables).
    public static func loadOffences(path: String) throws -> [Offence] {
        let text = try ConfigLoader.readFile(
            path, what: "offences file",
            hint: "set [moderation] offences in vigie.toml (vigie init writes one)")
        do {
            return try Offence.list(from: try TOML.parse(text), file: path)
        } catch {
            throw ConfigError("\(path): \(error)")
        }
    }

    /// The workflow's rules over this offences file.
    public var rules: ModerationRules { ModerationRules(offences: offences) }

    /// Applies a change of status; the refusal, if any, is thrown as one line. A removal enqueues, in the same
    /// transaction, one outcome notice per distinct reporter (`outcome:cluster:ID:REPORTER`, so never twice).
    /// Every path that removes a cluster (moderators, automatic rechecks) goes through here.
    @discardableResult
    public func change(clusterID: Int64, _ change: ModerationChange, now: Date = Date()) throws -> ModerationStatus {
        guard let acknowledger, acknowledger.settings.notifyOutcome else {
            return try store.moderate(clusterID: clusterID, change: change, rules: rules, now: now)
        }
        let result = try store.moderate(clusterID: clusterID, change: change, rules: rules, now: now) { reporters in
            acknowledger.outcomeNotices(clusterID: clusterID, reporters: reporters, now: now)
        }
        if change.to == .removed {
            acknowledger.logger.info("cluster \(clusterID) removed: \(result.notices.count) outcome notices enqueued")
        }
        return result.status
    }

    /// The notice to send to the platform (DSA art. 16(2)); refused unless the cluster is qualified.
    public func notice(clusterID: Int64, now: Date = Date()) throws -> String {
        guard let d = try store.cluster(id: clusterID, includeReporters: false, weights: weights) else {
            throw StoreError.notFound(what: "cluster \(clusterID)", hint: "see `vigie clusters list`")
        }
        return try notice(d, now: now)
    }

    /// The notice of cluster `d`; `screenshots` attached ones are announced in it.
    func notice(_ d: ClusterDetail, screenshots: Int = 0, now: Date = Date()) throws -> String {
        let clusterID = d.summary.id
        let s = d.summary
        let offence = try rules.noticeOffence(clusterID: clusterID, status: s.status, code: s.offence)
        let fmt = DateFormatter()
        fmt.locale = Locale(identifier: "fr_FR")
        fmt.timeZone = TimeZone(identifier: "Europe/Paris")
        fmt.dateFormat = "d MMMM yyyy"
        func day(_ date: Date?) -> String { date.map { fmt.string(from: $0) } ?? "—" }
        var urls = [s.canonicalURL]
        for u in s.urls where !urls.contains(u) { urls.append(u) }
        let notifier: [String: Any] = [
            "name": organisation.name, "email": organisation.email ?? false,
            "address": organisation.postalAddress ?? false,
        ]
        let context: [String: Any] = [
            "cluster_id": clusterID, "urls": urls, "platform": s.platform.displayName,
            "identifier": s.key, "account": s.account ?? false,
            "first_reported": day(s.firstReported), "last_reported": day(s.lastReported), "today": day(now),
            "offence": ["label": offence.label, "reference": offence.reference, "code": offence.code],
            "note": d.note ?? false, "reporters": s.reporters, "plural": s.reporters > 1, "reports": s.reports,
            "reports_plural": s.reports > 1, "notifier": notifier,
            "screenshots": screenshots > 0 ? screenshots : false, "screenshots_plural": screenshots > 1,
        ]
        return try templates.render("notice.txt", context)
    }
}
