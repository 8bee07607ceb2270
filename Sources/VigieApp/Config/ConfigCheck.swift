import Foundation
import VigieCore

extension AppContext {
    /// What `config check` adds to loading: every enabled outbound queue resolved as its command will resolve it,
    /// secrets included (the newsletter's signing secret, relay passwords): a check that passes is a send that starts.
    public func checkSecrets(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        for case .outbound(let q) in queues where q.enabled {
            if q.kind == .newsletter {
                _ = try NewsletterSettings.from(q, config: config, environment: environment)
            } else {
                // The relay's secret, the pacing's consistency and `from`, as the outbox sender reads them.
                _ = try OutboundSettings.from(q, config: config, environment: environment)
            }
            // Its templates too: a missing one would stop `poll` at start.
            if q.kind == .acknowledgements { _ = try acknowledger() }
            if q.kind == .notices { _ = try NoticeSettings.from(q, config: config) }
        }
        // Where notices go: a platforms file that does not load would stop `clusters notify` (and the rechecks).
        let notices = queues.contains {
            if case .outbound(let q) = $0 { q.kind == .notices && q.enabled } else { false }
        }
        if notices || FileManager.default.fileExists(atPath: config.platformsFile) { _ = try platformDirectory() }
    }
}
