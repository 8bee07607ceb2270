import Foundation
import Logging
import Synchronization
import VigieCore
import VigieMail
import VigieStore

/// The loaded configuration and the resources a command needs, opened on first use.
public final class AppContext: Sendable {
    public let config: VigieConfig
    public let queues: [QueueConfig]
    public let logger: Logger
    /// The store once opened.
    private let openedStore = Mutex<Store?>(nil)

    public init(config: VigieConfig, queues: [QueueConfig], logger: Logger) {
        self.config = config
        self.queues = queues
        self.logger = logger
    }

    /// Reads `vigie.toml` (from `--config`, `$VIGIE_CONFIG` or `./vigie.toml`) and every queue file.
    /// `requireSecrets`: intake passwords must resolve (for `poll` and `config check`; other commands never log in).
    public static func load(configPath: String?, requireSecrets: Bool = false, logger: Logger) throws -> AppContext {
        let path = ConfigLoader.resolvePath(configPath)
        let config = try ConfigLoader.load(path: path)
        let queues = try ConfigLoader.loadQueues(dir: config.queuesDir, requireSecrets: requireSecrets)
        return AppContext(config: config, queues: queues, logger: logger)
    }

    /// The database, opened and migrated on first use. Only a first run (`create`: init, poll, subscribers
    /// import/add, newsletter send) creates a missing file; any other command refuses with one line.
    /// Internal: commands reach the database through the use cases, never directly.
    func store(create: Bool = false) throws -> Store {
        try openedStore.withLock { opened in
            if let s = opened { return s }
            let s = try Store(path: config.databasePath, mode: create ? .create : .mustExist)
            opened = s
            return s
        }
    }

    /// Creates the database if missing (a first run), migrates it, and returns its path.
    /// The Mustache templates of `[paths] templates`.
    public var templates: TemplateRenderer { TemplateRenderer(directory: config.templatesDir) }

    public func prepareDatabase() throws -> String {
        try store(create: true).path
    }

    /// URL extraction that ignores the institution's own links.
    public func urlExtractor() -> URLExtractor {
        URLExtractor(ignoredHosts: config.organisation.ownHosts + config.intake.ignoredHosts)
    }

    /// Enabled report-intake queues (or only the one named).
    public func intakeQueues(only name: String? = nil) throws -> [IntakeQueue] {
        let all = queues.compactMap { q -> IntakeQueue? in
            if case .intake(let i) = q { return i }
            return nil
        }
        if let name {
            guard let q = all.first(where: { $0.name == name }) else {
                throw ConfigError(
                    "no intake queue named \"\(name)\" in \(config.queuesDir); intake queues: "
                        + all.map(\.name).joined(separator: ", "))
            }
            return [q]
        }
        return all.filter { $0.enabled }
    }

    /// The intake service over the enabled queues.
    public func intakeService(
        only name: String? = nil, afterPass: (@Sendable () -> Void)? = nil
    ) throws
        -> IntakeService
    {
        let queues = try intakeQueues(only: name)
        guard !queues.isEmpty else {
            throw ConfigError("no enabled intake queue in \(config.queuesDir); enable one (enabled = true)")
        }
        let store = try store(create: true)
        let clusters = try clusterService()
        let acknowledger = try self.acknowledger()
        let alerts = try alertCheck()
        let logger = logger
        let runners = try queues.map { q -> IntakeRunner in
            switch q.role {
            case .reports:
                var processor = ReportProcessor(
                    store: store, queue: q.name, extractor: urlExtractor(),
                    maxMessageBytes: q.maxMessageBytes, logger: logger)
                // Clusters follow intake a group of batches at a time and at the end of each pass; a rebuild gives
                // the same result.
                let linker = IntakeLinker(clusters: clusters, alerts: alerts, logger: logger)
                processor.onReports = { ids in try linker.saved(ids) }
                processor.onPassEnd = { try linker.flush() }
                // A crash between saving reports and linking them is repaired at the next pass.
                processor.onInterrupted = { try clusters.linkInterrupted() }
                processor.acknowledger = acknowledger
                return IntakeRunner(queue: q, store: store, processor: processor, logger: logger)
            case .platformReplies:
                return IntakeRunner(
                    queue: q, store: store,
                    processor: PlatformReplyProcessor(store: store, queue: q.name, logger: logger),
                    logger: logger)
            case .subscriptions:
                return IntakeRunner(
                    queue: q, store: store, processor: try subscriptionProcessor(queue: q.name),
                    logger: logger)
            }
        }
        return IntakeService(runners: runners, clusters: clusters, logger: logger, afterPass: afterPass)
    }
}

extension AppContext {
    /// Clustering over the store, with the configured identity rules.
    public func clusterService() throws -> ClusterService {
        ClusterService(store: try store(), settings: config.clusters, logger: logger)
    }

    /// The stored messages, for moderators to read.
    public func reports() throws -> ReportService {
        ReportService(store: try store())
    }

    /// The moderation workflow, with the offences file loaded (and outcome notices, when they are on).
    public func moderation() throws -> ModerationService {
        ModerationService(
            store: try store(), offences: try ModerationService.loadOffences(path: config.offencesFile),
            organisation: config.organisation, templates: TemplateRenderer(directory: config.templatesDir),
            weights: config.clusters.weights, acknowledger: try acknowledger())
    }

    /// Acknowledgements and outcome notices, per the enabled `acknowledgements` queue; nil when there is none.
    public func acknowledger() throws -> Acknowledger? {
        let queue = queues.lazy.compactMap { q -> OutboundQueue? in
            if case .outbound(let o) = q, o.kind == .acknowledgements, o.enabled { return o }
            return nil
        }.first
        guard let queue else { return nil }
        return try Acknowledger(
            settings: try AcknowledgementSettings.from(queue, config: config, queues: queues),
            organisation: config.organisation, clusters: config.clusters,
            templates: TemplateRenderer(directory: config.templatesDir), logger: logger)
    }
}
