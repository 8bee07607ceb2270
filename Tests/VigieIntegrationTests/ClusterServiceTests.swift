import Foundation
import Logging
import Testing
import VigieApp
import VigieCore
import VigieStore

/// Stores parsed citizen reports (as intake would) and returns their ids; a later call for the same store starts
/// its UIDs at `firstUID`, past those already stored.
func storeReports(_ store: Store, _ reports: [(from: String, url: String)], firstUID: Int = 0) throws -> [Int64] {
    var ids: [Int64] = []
    for (n, r) in reports.enumerated() {
        let i = n + firstUID
        let raw = Array("Message-ID: <\(UUID().uuidString)@x>\r\n\r\n\(r.url)".utf8)
        let out = try store.commit(
            batch: [
                IncomingMessage(
                    uid: UInt32(i + 1), raw: raw, size: raw.count, truncated: false,
                    sha256: UUID().uuidString, messageID: nil)
            ],
            queue: "reports", mailbox: "t", uidValidity: 1, lastUID: UInt32(i + 1))
        guard case .inserted(let id) = out[0] else { continue }
        _ = try store.claimForParsing(limit: 10)
        var p = ParsedMessage()
        p.from = MailAddress(address: r.from)
        p.subject = "Signalement"
        p.text = "Bonjour, voici le lien : \(r.url)"
        try store.saveParsed([
            ParseOutcome(
                messageID: id, status: .parsed, parsed: p, urls: [r.url], automaticReason: nil,
                error: nil)
        ])
        ids.append(id)
    }
    return ids
}

@Suite struct ClusterServiceTests {
    func tempStore() throws -> Store {
        try Store(path: NSTemporaryDirectory() + "vigie-clusters-\(UUID().uuidString)/vigie.sqlite")
    }

    @Test func variantsOfOneContentShareACluster() throws {
        let store = try tempStore()
        let service = ClusterService(
            store: store, settings: ClusterSettings(resolveShortLinks: false),
            logger: Logger(label: "t"))
        let ids = try storeReports(
            store,
            [
                ("a@x.fr", "https://x.com/Troll/status/1790000000000000001?s=20"),
                ("b@x.fr", "https://mobile.twitter.com/troll/status/1790000000000000001/photo/1"),
                ("c@x.fr", "https://twitter.com/i/web/status/1790000000000000001"),
                ("a+bis@x.fr", "https://x.com/troll/status/1790000000000000001"),
                ("d@x.fr", "https://x.com/troll/status/1790000000000000002"),
                ("e@x.fr", "https://youtu.be/dQw4w9WgXcQ?si=abc"),
                ("f@x.fr", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share"),
                ("g@x.fr", "https://www.youtube.com/watch?v=dQw4w9WgXcq"),
            ])
        try service.link(reportIDs: ids)
        let list = try store.clusters()
        #expect(list.count == 4)
        let tweet = try #require(list.first)
        #expect(tweet.platform == .x)
        #expect(tweet.reports == 4)
        #expect(tweet.reporters == 3)
        #expect(tweet.urls.count == 4)
        #expect(list.first { $0.platform == .youtube && $0.reports == 2 } != nil)
        let accounts = try store.accounts()
        #expect(accounts.first?.posts == 2)
        #expect(accounts.first?.reporters == 4)

        // A rebuild from scratch gives the same clusters.
        try service.rebuild()
        #expect(try store.clusters().map(\.key) == list.map(\.key))
        #expect(try store.clusters().map(\.reporters) == list.map(\.reporters))
    }

    /// Intake's linker links a group of batches at once, then what is left at the end of the pass; the counts are
    /// those of linking batch by batch, and a rebuild's.
    @Test func theIntakeLinkerLinksWhenEnoughReportsWaitAndAtTheEndOfAPass() throws {
        let store = try tempStore()
        let service = ClusterService(
            store: store, settings: ClusterSettings(resolveShortLinks: false), logger: Logger(label: "t"))
        let linker = IntakeLinker(clusters: service, every: 3, logger: Logger(label: "t"))
        let urls = ["https://x.com/a/status/1", "https://x.com/a/status/2", "https://x.com/b/status/3"]
        var firstUID = 0
        func batch(_ n: Int) throws -> [Int64] {
            let ids = try storeReports(
                store, (0..<n).map { ("c\(firstUID + $0)@x.fr", urls[(firstUID + $0) % 3]) }, firstUID: firstUID)
            firstUID += n
            return ids
        }
        try linker.saved(try batch(2))
        #expect(try store.reportsAwaitingLink() == 2)
        #expect(try store.clusters().isEmpty)
        try linker.saved(try batch(2))  // four waiting: all linked
        #expect(try store.reportsAwaitingLink() == 0)
        #expect(try store.clusters().map(\.reports).reduce(0, +) == 4)
        try linker.saved(try batch(1))
        #expect(try store.reportsAwaitingLink() == 1)
        try linker.flush()
        try linker.flush()  // nothing left: no link
        #expect(try store.reportsAwaitingLink() == 0)
        let grouped = try store.clusters()
        #expect(grouped.map(\.reports).sorted() == [1, 2, 2])
        #expect(grouped.map(\.reporters).sorted() == [1, 2, 2])
        try service.rebuild()
        let rebuilt = try store.clusters()
        #expect(rebuilt.map(\.key) == grouped.map(\.key))
        #expect(rebuilt.map(\.reports) == grouped.map(\.reports))
        #expect(rebuilt.map(\.reporters) == grouped.map(\.reporters))
        #expect(rebuilt.map(\.firstReported) == grouped.map(\.firstReported))
        #expect(rebuilt.map(\.lastReported) == grouped.map(\.lastReported))
    }

    @Test func shortLinksAreResolvedLaterAndJoinTheirContent() throws {
        let server = try TestHTTPServer { request in
            switch request.path {
            case "/s/abc": return .redirect(301, to: "/article/42?utm_source=short")
            case "/article/42": return .ok("article")
            default: return TestHTTPServer.Response(status: 404)
            }
        }
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let store = try tempStore()
        let service = ClusterService(
            store: store,
            settings: ClusterSettings(
                resolveShortLinks: true, shortLinkHosts: ["127.0.0.1"],
                shortLinkTimeoutSeconds: 2),
            logger: Logger(label: "t"))
        let ids = try storeReports(store, [("a@x.fr", "\(base)/s/abc"), ("b@x.fr", "\(base)/article/42")])
        try service.link(reportIDs: ids)
        // Intake never waits for the network: until resolved, the short link is its own content.
        #expect(try store.clusters().count == 2)
        let r = try service.resolveShortLinks()
        #expect(r.resolved == 2)
        let after = try store.clusters()
        #expect(after.count == 1)
        #expect(after.first?.reporters == 2)
        #expect(after.first?.urls.sorted() == ["\(base)/article/42", "\(base)/s/abc"])
    }

    @Test func wrappedShortLinksAreResolvedWithoutTheirWrapper() throws {
        let server = try TestHTTPServer { request in
            switch request.path {
            case "/s/abc": return .redirect(301, to: "/article/42")
            case "/article/42": return .ok("article")
            default: return TestHTTPServer.Response(status: 404)
            }
        }
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let short = "\(base)/s/abc".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        // Outlook's Safe Links host is not reachable here: only the unwrapped short link can be resolved.
        let wrapped = "https://eur01.safelinks.protection.outlook.com/?url=\(short)&data=05%7C02&reserved=0"
        let store = try tempStore()
        let service = ClusterService(
            store: store,
            settings: ClusterSettings(
                resolveShortLinks: true, shortLinkHosts: ["127.0.0.1/s"],
                shortLinkTimeoutSeconds: 2),
            logger: Logger(label: "t"))
        let ids = try storeReports(store, [("a@x.fr", wrapped), ("b@x.fr", "\(base)/article/42")])
        try service.link(reportIDs: ids)
        #expect(try store.clusters().count == 2)
        #expect(try store.clusters().contains { $0.key == "web:127.0.0.1:\(server.port)/s/abc" })
        let r = try service.resolveShortLinks()
        #expect(r.resolved == 1)
        let after = try store.clusters()
        #expect(after.map(\.key) == ["web:127.0.0.1:\(server.port)/article/42"])
        #expect(after.first?.reporters == 2)
        // The report keeps the URL as the citizen wrote it.
        #expect(after.first?.urls.contains(wrapped) == true)
    }

    @Test func failedResolutionKeepsTheShortLinkAndRetriesLater() throws {
        let store = try tempStore()
        let service = ClusterService(
            store: store,
            settings: ClusterSettings(
                resolveShortLinks: true, shortLinkHosts: ["127.0.0.1"],
                shortLinkTimeoutSeconds: 1),
            logger: Logger(label: "t"))
        let dead = "http://127.0.0.1:\(LocalServers.closedPort())/3xYzAbC"
        let ids = try storeReports(store, [("a@x.fr", dead)])
        try service.link(reportIDs: ids)
        // The shortener is unreachable: resolution fails and is scheduled again, the report keeps its cluster.
        let r = try service.resolveShortLinks()
        #expect(r.failed == 1)
        #expect(try store.clusters().count == 1)
        #expect(try store.dueShortLinks(limit: 10).isEmpty)
        #expect(try store.dueShortLinks(now: Date().addingTimeInterval(3600), limit: 10) == [dead])
    }
}
