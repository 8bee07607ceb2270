import Foundation
import Logging
import VigieCore
import VigieMail
import VigieStore

/// Links reported URLs to clusters of content; resolves short links in the background of intake, never inline.
public struct ClusterService: Sendable {
    let store: Store
    let settings: ClusterSettings
    let logger: Logger

    public init(store: Store, settings: ClusterSettings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
    }

    /// Links the URLs of these new reports (incremental clustering at intake).
    @discardableResult
    public func link(reportIDs: [Int64]) throws -> Int {
        try link(try store.unclusteredURLs(reportIDs: reportIDs), rebuild: false, fresh: true)
    }

    /// Recomputes every identity and every cluster from the reports alone; moderation state is kept.
    @discardableResult
    public func rebuild() throws -> Int {
        let clock = ContinuousClock()
        let start = clock.now
        let urls = try store.allReportedURLs()
        logger.debug("rebuild: \(urls.count) reported URLs read in \(clock.now - start)")
        return try link(urls, rebuild: true)
    }

    /// Resolves the short links that are due, then moves the reports that cited them to their final content.
    @discardableResult
    public func resolveShortLinks(limit: Int = 200, resolver: RedirectResolver? = nil) throws -> (resolved: Int, failed: Int) {
        guard settings.resolveShortLinks else { return (0, 0) }
        let due = try store.dueShortLinks(limit: limit)
        guard !due.isEmpty else { return (0, 0) }
        let r = resolver ?? RedirectResolver(timeoutSeconds: settings.shortLinkTimeoutSeconds, maxHops: 5)
        var resolved: [String] = []
        var failed = 0
        for url in due {
            // A short link inside a wrapper (Safe Links around bit.ly) is followed without the wrapper.
            switch r.resolve(ContentIdentifier.unwrapped(url, rules: settings.identityRules)) {
            case .resolved(let final, _):
                try store.recordShortLink(url, finalURL: final, error: nil)
                resolved.append(url)
            case .failed(let reason):
                try store.recordShortLink(url, finalURL: nil, error: reason)
                logger.info("short link \(url) not resolved (\(reason)); will retry later")
                failed += 1
            }
        }
        if !resolved.isEmpty {
            let (urls, former) = try store.detachURLs(resolved)
            try link(urls, rebuild: false, fresh: false)
            try store.refreshClusters(former)
        }
        return (resolved.count, failed)
    }

    private func link(_ urls: [ReportedURL], rebuild: Bool, fresh: Bool = false) throws -> Int {
        guard !urls.isEmpty || rebuild else { return 0 }
        let identifyStart = ContinuousClock.now
        defer { logger.debug("identities of \(urls.count) URLs (short links included) in \(ContinuousClock.now - identifyStart)") }
        var finals: [String: String] = [:]
        var shorts: [String] = []
        if settings.resolveShortLinks {
            let rules = settings.identityRules
            shorts = urls.map(\.url).filter {
                ShortLinks.isShortLink(ContentIdentifier.unwrapped($0, rules: rules), extraHosts: settings.shortLinkHosts)
            }
            finals = try store.resolvedShortLinks(shorts)
        }
        let rules = settings.identityRules
        let resolved = finals
        let assignments: [ClusterAssignment] = urls.parallelMap { u -> ClusterAssignment in
            let target = resolved[u.url] ?? u.url
            guard let id = ContentIdentifier.identify(target, rules: rules)
                ?? ContentIdentifier.identify(u.url, rules: rules)
            else {
                // Not a content (garbage, unsupported scheme, a platform's bare host): left out of every cluster.
                return ClusterAssignment.unlinked(reportID: u.reportID, position: u.position, rowID: u.rowID)
            }
            return ClusterAssignment(reportID: u.reportID, position: u.position, key: id.key, platform: id.platform,
                                     kind: id.kind, accountKey: id.account?.key, canonicalURL: id.canonicalURL,
                                     reporter: u.reporter, receivedAt: u.receivedAt, rowID: u.rowID)
        }
        let unresolved = shorts.filter { finals[$0] == nil }
        try store.queueShortLinks(unresolved)
        let clock = ContinuousClock()
        let start = clock.now
        defer { logger.debug("linked \(assignments.count) URLs to their clusters in \(clock.now - start)") }
        return try store.assignClusters(assignments, rebuild: rebuild, fresh: fresh)
    }
}

/// `[clusters]` in vigie.toml.
public struct ClusterSettings: Sendable {
    public var resolveShortLinks: Bool
    public var shortLinkHosts: [String]
    public var shortLinkTimeoutSeconds: Int
    public var identityRules: IdentityRules
    public var weights: PriorityWeights

    public init(resolveShortLinks: Bool = true, shortLinkHosts: [String] = [], shortLinkTimeoutSeconds: Int = 5,
                identityRules: IdentityRules = .default, weights: PriorityWeights = PriorityWeights()) {
        self.resolveShortLinks = resolveShortLinks
        self.shortLinkHosts = shortLinkHosts
        self.shortLinkTimeoutSeconds = shortLinkTimeoutSeconds
        self.identityRules = identityRules
        self.weights = weights
    }
}
