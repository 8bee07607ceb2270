import Foundation
import VigieCore

extension AppContext {
    /// The digest queue's settings (the first `kind = "digest"` file of queues/).
    public func digestSettings() throws -> DigestSettings {
        for case .outbound(let q) in queues where q.kind == .digest {
            return try DigestSettings.from(q, config: config)
        }
        throw ConfigError(
            "no digest queue in \(config.queuesDir); add queues/digest.toml with kind = \"digest\" "
                + "(vigie init writes one)")
    }

    /// The digest over the store.
    public func digestService() throws -> DigestService {
        let settings = try digestSettings()
        let store = try store()
        let offences = (try? ModerationService.loadOffences(path: config.offencesFile)) ?? []
        var builder = DigestBuilder(
            store: store, weights: config.clusters.weights, publicURL: config.publicURL, offences: offences)
        builder.timeZone = settings.timeZone
        return DigestService(
            store: store, settings: settings, builder: builder,
            mail: DigestMail(
                settings: settings, templates: TemplateRenderer(directory: config.templatesDir),
                organisation: config.organisation.name, hasConsole: config.publicURL != nil),
            logger: logger)
    }

    /// The once-per-period digest tick `vigie serve` runs.
    public func digestScheduler() throws -> DigestScheduler {
        DigestScheduler(service: try digestService())
    }

    /// The alert check run after intake links clusters; nil without a digest queue or with alerts off.
    public func alertCheck() throws -> AlertCheck? {
        guard
            queues.contains(where: { if case .outbound(let q) = $0 { return q.kind == .digest } else { return false } })
        else { return nil }
        let service = try digestService()
        let s = service.settings
        return s.enabled && s.alertReporters > 0 && !s.to.isEmpty ? AlertCheck(service: service) : nil
    }
}
