import Foundation
import Logging
import Synchronization
import VigieCore
import VigieMail
import VigieStore

/// Rechecks of notified contents: each URL of a cluster asked again (the page, or the platform's oEmbed endpoint),
/// at most one request per host every `perHostIntervalSeconds`, each check kept; when every URL of a notified cluster
/// is `removed` on two checks at least an hour apart, the cluster is marked `removed` through `ModerationService`
/// (author "vérification automatique"), which enqueues the citizens' outcome notices in the same transaction.
public final class LinkCheckService: Sendable {
    /// The author of automatic changes in the audit trail.
    public static let automaticAuthor = "vérification automatique"

    /// What one cluster's check found.
    public struct ClusterResult: Sendable, Equatable {
        public var clusterID: Int64
        public var checks: [LinkCheck]
        /// The cluster became `removed` because of this check.
        public var markedRemoved: Bool
    }

    let store: Store
    let moderation: ModerationService?
    let settings: RecheckSettings
    let rules: @Sendable (Platform) -> PlatformCheckRule
    let client: LinkProbeClient
    let pacer: Mutex<HostPacer>
    let confirmation = RemovalConfirmation()
    let logger: Logger

    /// `rules`: how each platform is checked (built-in defaults until `platforms.toml` says otherwise);
    /// `moderation`: nil = checks are kept but never close a cluster.
    public init(
        store: Store, moderation: ModerationService?, settings: RecheckSettings,
        rules: @escaping @Sendable (Platform) -> PlatformCheckRule = PlatformCheckRule.builtIn, logger: Logger
    ) {
        self.store = store
        self.moderation = moderation
        self.settings = settings
        self.rules = rules
        self.client = LinkProbeClient(
            timeoutSeconds: settings.timeoutSeconds, maxBodyBytes: settings.maxBodyBytes,
            userAgent: "Vigie/1.0 (link check)")
        self.pacer = Mutex(HostPacer(interval: settings.perHostIntervalSeconds))
        self.logger = logger
    }

    /// Checks these clusters now, whatever their schedule (`vigie clusters check ID…`).
    public func check(
        ids: [Int64], now: @escaping @Sendable () -> Date = { Date() }, stop: StopSignal = StopSignal()
    ) throws -> [ClusterResult] {
        let targets = try store.recheckTargets(ids: ids)
        let missing = Set(ids).subtracting(targets.map(\.clusterID))
        if let first = missing.sorted().first {
            throw StoreError.notFound(what: "cluster \(first)", hint: "see `vigie clusters list`")
        }
        return try run(targets, now: now, stop: stop)
    }

    /// Checks the clusters whose slot has come (at most `limit`), oldest slot first.
    public func checkDue(
        limit: Int = 200, now: @escaping @Sendable () -> Date = { Date() }, stop: StopSignal = StopSignal()
    ) throws -> [ClusterResult] {
        let targets = try store.recheckTargets(due: (settings.schedule, now()), limit: limit)
        return try run(targets, now: now, stop: stop)
    }

    /// Every qualified, notified or still-online cluster, now (`vigie clusters check` without ids).
    public func checkAll(
        now: @escaping @Sendable () -> Date = { Date() }, stop: StopSignal = StopSignal()
    ) throws -> [ClusterResult] {
        try run(try store.recheckTargets(), now: now, stop: stop)
    }

    /// The checks of one cluster, oldest first.
    public func checks(clusterID: Int64) throws -> [LinkCheck] {
        try store.linkChecks(clusterID: clusterID)
    }

    // MARK: - Running

    private struct Item: Sendable {
        var target: Int
        var url: String
        var request: String
        var method: LinkCheckMethod
        var host: String
    }

    private func run(
        _ targets: [RecheckTarget], now: @escaping @Sendable () -> Date, stop: StopSignal
    ) throws -> [ClusterResult] {
        guard !targets.isEmpty else { return [] }
        let items = Self.interleaved(
            targets.enumerated().flatMap { i, t in
                let rule = rules(t.platform)
                return t.urls.map { u in
                    let (request, method) = rule.requestURL(for: u)
                    return Item(target: i, url: u, request: request, method: method, host: HostPacer.host(of: request))
                }
            })
        let checks = probeAll(items, targets: targets, now: now, stop: stop)
        var results: [ClusterResult] = []
        for (i, t) in targets.enumerated() {
            let mine = checks.enumerated().compactMap { k, c in items[k].target == i ? c : nil }
            guard !mine.isEmpty else { continue }
            try store.recordLinkChecks(clusterID: t.clusterID, mine)
            let removed = try closeIfConfirmed(t, now: now())
            results.append(ClusterResult(clusterID: t.clusterID, checks: mine, markedRemoved: removed))
            let counts = Dictionary(grouping: mine, by: \.verdict).mapValues(\.count)
            let line =
                "cluster \(t.clusterID): \(mine.count) URL(s) checked: online \(counts[.online] ?? 0), removed "
                + "\(counts[.removed] ?? 0), unknown \(counts[.unknown] ?? 0)\(removed ? "; marked removed" : "")"
            logger.info("\(line)")
        }
        return results
    }

    /// Probes every item on `concurrency` threads of their own, each request waiting for its host's turn. A stop
    /// request leaves the items not started unchecked (nil).
    private func probeAll(
        _ items: [Item], targets: [RecheckTarget], now: @escaping @Sendable () -> Date, stop: StopSignal
    ) -> [LinkCheck?] {
        let state = Mutex((next: 0, out: [LinkCheck?](repeating: nil, count: items.count)))
        let group = DispatchGroup()
        for _ in 0..<min(settings.concurrency, items.count) {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                while !stop.isStopped {
                    let k = state.withLock { s -> Int in
                        defer { s.next += 1 }
                        return s.next
                    }
                    guard k < items.count else { return }
                    let item = items[k]
                    let start = pacer.withLock { $0.reserve(host: item.host, now: Date()) }
                    let wait = start.timeIntervalSinceNow
                    if wait > 0, !stop.sleep(wait) { return }
                    let check = self.check(item, rule: rules(targets[item.target].platform), at: now)
                    state.withLock { $0.out[k] = check }
                }
            }
            thread.name = "link-check"
            thread.start()
        }
        group.wait()
        return state.withLock { $0.out }
    }

    private func check(_ item: Item, rule: PlatformCheckRule, at now: () -> Date) -> LinkCheck {
        let probe = item.method == .oembed ? client.fetch(item.request) : client.probe(item.request)
        let (verdict, detail) = rule.verdict(probe, method: item.method)
        // For oEmbed, the final URL of interest is the content's, not the endpoint's.
        let final = item.method == .oembed ? nil : probe.finalURL
        return LinkCheck(
            url: item.url, checkedAt: now(), httpStatus: probe.status, finalURL: final, verdict: verdict,
            detail: detail, method: item.method)
    }

    /// Marks the cluster removed when its checks confirm it; a moderator's concurrent change wins (logged).
    private func closeIfConfirmed(_ t: RecheckTarget, now: Date) throws -> Bool {
        guard let moderation, [.notified, .online].contains(t.status) else { return false }
        guard confirmation.isConfirmed(urls: t.urls, checks: try store.linkChecks(clusterID: t.clusterID)) else {
            return false
        }
        do {
            try moderation.change(
                clusterID: t.clusterID,
                ModerationChange(
                    to: .removed,
                    note: "retrait constaté : chaque lien répond « supprimé » à deux vérifications à plus d'une heure "
                        + "d'intervalle",
                    author: Self.automaticAuthor), now: now)
            return true
        } catch let error as ModerationError {
            logger.warning("cluster \(t.clusterID): removal confirmed but not recorded: \(error)")
            return false
        }
    }

    /// The items reordered round-robin by host, so the threads work on different hosts instead of queueing on one.
    private static func interleaved(_ items: [Item]) -> [Item] {
        var byHost: [String: [Item]] = [:]
        var order: [String] = []
        for item in items {
            if byHost[item.host] == nil { order.append(item.host) }
            byHost[item.host, default: []].append(item)
        }
        var out: [Item] = []
        out.reserveCapacity(items.count)
        var round = 0
        while out.count < items.count {
            for h in order where round < byHost[h]!.count { out.append(byHost[h]![round]) }
            round += 1
        }
        return out
    }
}
