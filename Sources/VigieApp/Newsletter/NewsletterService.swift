import Foundation
import Logging
import VigieCore
import VigieMail
import VigieStore

/// The newsletter use cases: preview, editorial checks, send (and resume), status, failures, retry.
public struct NewsletterService: Sendable {
    let store: Store
    let settings: NewsletterSettings
    let config: VigieConfig
    let templates: TemplateRenderer
    let logger: Logger

    public init(store: Store, settings: NewsletterSettings, config: VigieConfig, logger: Logger) {
        self.store = store
        self.settings = settings
        self.config = config
        self.templates = TemplateRenderer(directory: config.templatesDir)
        self.logger = logger
    }

    /// Reads and validates an edition file.
    public static func loadEdition(_ path: String) throws -> (edition: Edition, sha256: String) {
        let e = try loadEditionSource(path)
        return (e.edition, e.sha256)
    }

    /// Reads and validates an edition file, keeping its text (stored so that `serve` can resume or schedule it).
    public static func loadEditionSource(_ path: String) throws -> (edition: Edition, sha256: String, source: String) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("edition file \(path) cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("edition file \(path) is not UTF-8; save it as UTF-8")
        }
        return (try Edition.parse(text, file: path), Digest.sha256Hex(Array(data)), text)
    }

    /// Warnings for the editors: source diversity, international items, duplicate (same content) and dead links.
    public func check(_ edition: Edition, checkLinks: Bool) -> [String] {
        let rules = config.clusters.identityRules
        var warnings = EditorialChecks.warnings(for: edition) { ContentIdentifier.identify($0, rules: rules)?.key }
        if checkLinks {
            let resolver = LinkChecker(timeoutSeconds: 10)
            let urls = edition.news.map(\.url) + edition.press.map(\.url)
            for (url, problem) in zip(urls, urls.parallelMap { resolver.problem(with: $0) }) {
                if let problem { warnings.append("dead link: \(url) (\(problem))") }
            }
        }
        return warnings
    }

    /// The message one subscriber would get (the first active one, or a sample reader).
    public func preview(_ edition: Edition, address: String? = nil) throws -> (text: String, html: String, raw: [UInt8])
    {
        let renderer = try NewsletterRenderer(
            edition: edition, settings: settings, organisation: config.organisation,
            templates: templates)
        var sub: Subscriber?
        if let address {
            sub = try store.subscriber(email: address)
        } else {
            sub = try store.allSubscribers(status: .active).first
        }
        if sub == nil, let address {
            sub = Subscriber(
                id: 0, email: address, name: nil, language: nil, status: .active, tokenSalt: 0,
                createdAt: Date(), statusChangedAt: nil, statusReason: nil, bounces: 0)
        }
        let s =
            sub
            ?? Subscriber(
                id: 0, email: "lectrice@example.org", name: "Camille Lectrice", language: "fr",
                status: .active, tokenSalt: 0, createdAt: Date(), statusChangedAt: nil,
                statusReason: nil, bounces: 0)
        let m = renderer.message(subscriberID: s.id, email: s.email, name: s.name, salt: s.tokenSalt)
        let (text, html) = MIMEPreview.bodies(of: m.bytes)
        return (text, html, m.bytes)
    }

    /// Sends (or resumes) an edition under its lease (`newsletter:ID`); returns its status at the end. Another runner
    /// holding the lease makes this throw `LeaseError.held`, or, with `waitForLease`, wait until it is free. Throws
    /// `RelayError` when the relay failed (the deliveries it did not reach stay as they were, for the next run).
    public func send(
        _ edition: Edition, sha256: String, source: String? = nil, stop: StopSignal, waitForDeferred: Bool = true,
        waitForLease: Bool = false, leaseTiming: LeaseTiming = .standard,
        makeTransport: Dispatcher.TransportFactory? = nil,
        onProgress: (@Sendable (Dispatcher.Summary, EditionStatus) -> Void)? = nil
    ) throws -> EditionStatus {
        let renderer = try NewsletterRenderer(
            edition: edition, settings: settings, organisation: config.organisation,
            templates: templates)
        // One sender per edition: the rows left `sending` are only a crash's (never a live sender's) once we hold it.
        let lease = try JobLease.acquire(
            "newsletter:\(edition.id)", store: store, wait: waitForLease, stop: stop,
            timing: leaseTiming, logger: logger, onLost: { stop.stop() })
        defer { lease.release() }
        let created = try store.startEdition(
            id: edition.id, subject: edition.subject, date: edition.date,
            sourceSHA256: sha256, source: source)
        if created {
            let total = try store.editionStatus(edition.id)?.total ?? 0
            logger.info("edition \(edition.id): queued for \(total) subscribers")
        } else {
            let recovered = try store.recoverInFlight(editionID: edition.id)
            let note =
                recovered > 0 ? "; \(recovered) messages were in flight at the interruption and are sent again" : ""
            if recovered == 0, let s = try store.editionStatus(edition.id), s.isFinished {
                logger.info("edition \(edition.id): already complete, nothing to send")
            } else {
                logger.info("edition \(edition.id): resuming\(note)")
            }
        }
        let endpoint = settings.smtp
        let transport = makeTransport ?? { CurlSMTPTransport(settings: endpoint) }
        let dispatcher = Dispatcher(
            store: store, editionID: edition.id, settings: settings.dispatch,
            compose: { d in
                renderer.message(subscriberID: d.subscriberID, email: d.email, name: d.name, salt: d.tokenSalt)
            },
            makeTransport: transport, logger: logger, stop: stop, waitForDeferred: waitForDeferred,
            fence: lease.fence)
        let start = try store.editionStatus(edition.id)!
        var reporter: Thread?
        let finished = StopSignal()
        if let onProgress {
            reporter = Thread {
                while !finished.isStopped {
                    finished.sleep(0.5)
                    onProgress(dispatcher.progress, start)
                }
            }
            reporter?.start()
        }
        defer { finished.stop() }
        let summary: Dispatcher.Summary
        do {
            // One commit per message: the WAL is written back (and synced) every 8,192 pages, not every 1,000.
            summary = try store.withSparseCheckpoints { try dispatcher.run() }
        } catch var e as RelayError {
            e.relay = endpoint.relayName
            throw e
        }
        finished.stop()
        let status = try store.editionStatus(edition.id)!
        if status.isFinished { try store.completeEdition(edition.id) }
        onProgress?(summary, start)
        return status
    }
}

/// Checks that a link answers (HEAD, then GET) — for the editorial check of dead links.
struct LinkChecker: Sendable {
    let timeoutSeconds: Int

    /// Nil when the link works, else what is wrong (unreachable, too many redirects, or an HTTP error status).
    func problem(with url: String) -> String? {
        let r = RedirectResolver(timeoutSeconds: timeoutSeconds, maxHops: 5)
        let (result, status) = r.follow(url)
        switch result {
        case .resolved(let final, _) where status >= 400:
            return final == url ? "HTTP \(status)" : "HTTP \(status) at \(final)"
        case .resolved: return nil
        case .failed(let reason): return reason
        }
    }
}
