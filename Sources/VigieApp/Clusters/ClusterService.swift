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

    /// Clusters, highest priority first (ranked with the configured weights).
    public func list(
        status: ModerationStatus? = nil, platform: Platform? = nil, limit: Int? = nil
    ) throws
        -> [ClusterSummary]
    {
        try store.clusters(status: status, platform: platform, limit: limit, weights: settings.weights)
    }

    /// One cluster with its reports and its history; the reporters' addresses only with `includeReporters`.
    public func detail(id: Int64, includeReporters: Bool) throws -> ClusterDetail? {
        guard var d = try store.cluster(id: id, includeReporters: includeReporters, weights: settings.weights) else {
            return nil
        }
        d.notices = try store.notices(clusterID: id)
        d.replies = try store.platformReplies(clusterID: id)
        d.checks = try store.linkChecks(clusterID: id)
        d.lineage = try store.lineage(clusterID: id)
        return d
    }

    /// Accounts whose content was reported, by distinct reporters.
    public func accounts(limit: Int? = nil) throws -> [AccountSummary] {
        try store.accounts(limit: limit)
    }

    /// Links the URLs of these new reports (incremental clustering at intake).
    @discardableResult
    public func link(reportIDs: [Int64]) throws -> Int {
        try link(.unclustered(reportIDs: reportIDs))
    }

    /// Links every saved report not linked yet (intake links a group of batches at a time: `IntakeLinker`).
    @discardableResult
    public func linkWaiting() throws -> Int {
        try link(.interrupted)
    }

    /// Links the reports a previous run saved but did not link (it died between the two commits), under the same
    /// serialization as intake's linking; a read finds there are none, so the usual start takes no write lock.
    @discardableResult
    public func linkInterrupted() throws -> Int {
        let waiting = try store.reportsAwaitingLink()
        guard waiting > 0 else { return 0 }
        logger.info("linking \(waiting) reports an interrupted run saved but did not link to clusters")
        return try link(.interrupted)
    }

    /// Recomputes every identity and every cluster from the reports alone; moderation state is kept.
    ///
    /// Two guards keep a rebuild beside a running `poll` exact. The lease `clusters:rebuild` lets one rebuild run at a
    /// time (another refuses, or waits with `waitForLease`). And the rebuild reads every reported URL, identifies and
    /// links them in one write transaction, while intake links only the URLs still unlinked inside its own write
    /// transaction: SQLite serializes the two, so a report is counted by exactly one of them, never by both or neither.
    @discardableResult
    public func rebuild(
        waitForLease: Bool = false, stop: StopSignal? = nil, leaseTiming: LeaseTiming = .standard
    )
        throws -> Int
    {
        let lease = try JobLease.acquire(
            "clusters:rebuild", store: store, wait: waitForLease, stop: stop,
            timing: leaseTiming, logger: logger)
        defer { lease.release() }
        return try link(.all, rebuild: true)
    }

    /// Resolves the short links that are due, then moves the reports that cited them to their final content.
    @discardableResult
    public func resolveShortLinks(
        limit: Int = 200, resolver: RedirectResolver? = nil
    ) throws -> (resolved: Int, failed: Int) {
        guard settings.resolveShortLinks else { return (0, 0) }
        let due = try store.dueShortLinks(limit: limit)
        guard !due.isEmpty else { return (0, 0) }
        let r = resolver ?? RedirectResolver(timeoutSeconds: settings.shortLinkTimeoutSeconds, maxHops: 5)
        var resolved: [String: String] = [:]
        var failed = 0
        for url in due {
            // A short link inside a wrapper (Safe Links around bit.ly) is followed without the wrapper.
            switch r.resolve(ContentIdentifier.unwrapped(url, rules: settings.identityRules)) {
            case .resolved(let final, _):
                resolved[url] = final
            case .failed(let reason):
                try store.recordShortLink(url, finalURL: nil, error: reason)
                logger.info("short link \(url) not resolved (\(reason)); will retry later")
                failed += 1
            }
        }
        // Recorded, detached, re-linked and recounted in one transaction: a crash leaves them to resolve again.
        if !resolved.isEmpty { _ = try link(.resolved(resolved)) }
        return (resolved.count, failed)
    }

    private func link(_ selection: Store.URLSelection, rebuild: Bool = false) throws -> Int {
        let clock = ContinuousClock()
        let start = clock.now
        defer { logger.debug("linked reported URLs to their clusters in \(clock.now - start)") }
        return try store.linkAtomically(selection, rebuild: rebuild, identify: identifier)
    }

    /// The linking function the store calls inside its transactions.
    private var identifier: Store.Identify {
        { urls, lookup, overrides in try identify(urls, resolvedShortLinks: lookup, overrides: overrides) }
    }

    /// Merges cluster `from` into `into` (the identity rules kept apart what is one content): from now on, and at
    /// every rebuild, `from`'s URLs belong to `into`. Refusals are thrown as one line.
    public func merge(_ from: Int64, into: Int64, author: String, note: String? = nil) throws {
        try store.mergeClusters(from, into: into, author: author, note: note, identify: identifier)
        logger.info("cluster \(from) merged into cluster \(into) by \(author)")
    }

    /// Splits `url` (as a citizen wrote it in a report of cluster `id`) out into a cluster of its own, with every
    /// URL written the same way up to scheme, host case, parameter order and fragment; returns the new cluster.
    @discardableResult
    public func split(clusterID id: Int64, url: String, author: String, note: String? = nil) throws -> Int64 {
        guard let literal = ContentIdentifier.literalKey(url, rules: settings.identityRules) else {
            throw ClusterCorrectionError.notAURL(cluster: id, url: url)
        }
        let new = try store.splitURL(
            clusterID: id, url: url, literal: literal, author: author, note: note, identify: identifier)
        logger.info("a URL of cluster \(id) split out into cluster \(new) by \(author)")
        return new
    }

    /// Where a cluster stands among merges and splits.
    public func lineage(clusterID id: Int64) throws -> ClusterLineage { try store.lineage(clusterID: id) }

    /// Every merge and split moderators made, oldest first.
    public func overrides() throws -> [IdentityOverrideRecord] { try store.identityOverrideRecords() }

    /// The cluster of each URL (through its resolved short link when known), and the short links still unresolved.
    private func identify(
        _ urls: [ReportedURL], resolvedShortLinks: ([String]) throws -> [String: String],
        overrides: IdentityOverrides
    ) throws
        -> (assignments: [ClusterAssignment], unresolvedShortLinks: [String])
    {
        let rules = settings.identityRules
        var finals: [String: String] = [:]
        var shorts: [String] = []
        if settings.resolveShortLinks {
            shorts = urls.map(\.url).filter {
                ShortLinks.isShortLink(
                    ContentIdentifier.unwrapped($0, rules: rules), extraHosts: settings.shortLinkHosts)
            }
            finals = try resolvedShortLinks(shorts)
        }
        let resolved = finals
        let assignments: [ClusterAssignment] = urls.parallelMap { u -> ClusterAssignment in
            let target = resolved[u.url] ?? u.url
            guard
                let id = ContentIdentifier.identify(target, rules: rules)
                    ?? ContentIdentifier.identify(u.url, rules: rules)
            else {
                // Not a content (garbage, unsupported scheme, a platform's bare host): left out of every cluster.
                return ClusterAssignment.unlinked(reportID: u.reportID, position: u.position, rowID: u.rowID)
            }
            // A moderator's split or merge takes precedence over the rules.
            let (key, canonical, _) = overrides.resolve(key: id.key, canonicalURL: id.canonicalURL) {
                ContentIdentifier.literalKey(u.url, rules: rules)
            }
            return ClusterAssignment(
                reportID: u.reportID, position: u.position, key: key, platform: id.platform,
                kind: id.kind, accountKey: id.account?.key, canonicalURL: canonical,
                reporter: u.reporter, receivedAt: u.receivedAt, rowID: u.rowID)
        }
        return (assignments, shorts.filter { finals[$0] == nil })
    }
}

/// `[clusters]` in vigie.toml.
public struct ClusterSettings: Sendable {
    public var resolveShortLinks: Bool
    public var shortLinkHosts: [String]
    public var shortLinkTimeoutSeconds: Int
    public var identityRules: IdentityRules
    public var weights: PriorityWeights

    public init(
        resolveShortLinks: Bool = true, shortLinkHosts: [String] = [], shortLinkTimeoutSeconds: Int = 5,
        identityRules: IdentityRules = .default, weights: PriorityWeights = PriorityWeights()
    ) {
        self.resolveShortLinks = resolveShortLinks
        self.shortLinkHosts = shortLinkHosts
        self.shortLinkTimeoutSeconds = shortLinkTimeoutSeconds
        self.identityRules = identityRules
        self.weights = weights
    }
}
