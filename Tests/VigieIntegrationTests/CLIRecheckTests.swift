import Foundation
import GRDB
import Synchronization
import Testing
import VigieCore

@testable import VigieStore

/// Rechecks end to end: citizens' reports through the real Dovecot, `vigie clusters check` against a loopback HTTP
/// server playing the platform, the one-hour rule driven by the checks' test clock, the outcome notices at smtp-sink.
@Suite(.serialized) struct CLIRecheckTests {
    /// A site whose pages answer 200 until removed, then 404; `/busy` always 429.
    final class Site: Sendable {
        final class State: Sendable {
            let removed = Mutex(false)
            let seen = Mutex<[(path: String, method: String, at: Date)]>([])
        }
        let state = State()
        let server: TestHTTPServer

        init() throws {
            let state = self.state
            server = try TestHTTPServer { request in
                state.seen.withLock { $0.append((request.path, request.method, Date())) }
                if request.path.hasPrefix("/busy") { return TestHTTPServer.Response(status: 429) }
                return state.removed.withLock { $0 } ? TestHTTPServer.Response(status: 404) : .ok("<html>post</html>")
            }
        }

        func remove() { state.removed.withLock { $0 = true } }
    }

    /// The acknowledgements config (outcome notices on), with `[rechecks]` set for a test.
    static func config(user: String, interval: Double = 0) throws -> (config: String, store: () throws -> Store) {
        let (config, open) = try CLIAcknowledgementTests.config(user: user, minIntervalHours: 0)
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "per_host_interval_seconds = 2.0", with: "per_host_interval_seconds = \(interval)")
        text = text.replacingOccurrences(of: "# timeout_seconds = 10", with: "timeout_seconds = 1")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        return (config, open)
    }

    /// Polls the reports, qualifies and notifies the cluster of `url`; returns its id.
    static func notifiedCluster(_ url: String, config: String, store: Store) throws -> String {
        #expect(try VigieCLI.run(["poll", "--once"], config: config).status == 0)
        let cluster = try #require(try store.clusters().first { $0.urls.contains(url) })
        let cid = String(cluster.id)
        let q = try VigieCLI.run(
            ["clusters", "qualify", cid, "provocation-haine-raciale", "--by", "m"], config: config)
        #expect(q.status == 0, "\(q.stderr)")
        #expect(try VigieCLI.run(["clusters", "mark", cid, "notified", "--by", "m"], config: config).status == 0)
        return cid
    }

    static func status(_ cid: String, _ config: String) throws -> String {
        let show = try VigieCLI.run(["clusters", "show", cid, "--json"], config: config)
        let object = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
        return object?["status"] as? String ?? "?"
    }

    static func check(_ cid: String, _ config: String, offset: Double) throws -> VigieCLI.Result {
        let r = try VigieCLI.run(["clusters", "check", cid, "--test-clock-offset", String(offset)], config: config)
        #expect(r.status == 0, "\(r.stderr)")
        return r
    }

    @Test func twoRemovedChecksAnHourApartCloseTheClusterAndTellTheCitizens() throws {
        try LocalServers.requireIMAP()
        try LocalServers.requireSMTPSinkDump()
        let site = try Site()
        defer { site.server.stop() }
        let user = LocalServers.uniqueUser()
        let tag = UUID().uuidString
        let d = "c\(tag.prefix(8).lowercased()).exemple.fr"
        let url = site.server.baseURL + "/post/\(tag.prefix(8))"
        try LocalServers.deliver(
            [
                CLIAcknowledgementTests.mail(from: "alice@\(d)", id: "a1-\(tag)@exemple.fr", body: url),
                CLIAcknowledgementTests.mail(from: "bruno@\(d)", id: "b1-\(tag)@exemple.fr", body: url),
            ], to: user)
        let (config, open) = try Self.config(user: user)
        let store = try open()
        let cid = try Self.notifiedCluster(url, config: config, store: store)
        func outcomes() throws -> [CLIAcknowledgementTests.Row] {
            try CLIAcknowledgementTests.outbox(store).filter { $0.kind == "outcome" }
        }

        // Online at the first check.
        let first = try Self.check(cid, config, offset: 0)
        #expect(first.stdout.contains("online") && first.stdout.contains(url), "\(first.stdout)")
        site.remove()
        // Removed at +10 min, and again at +50 min: only 40 min apart, nothing changes.
        _ = try Self.check(cid, config, offset: 600)
        #expect(try Self.status(cid, config) == "notified")
        _ = try Self.check(cid, config, offset: 3000)
        #expect(try Self.status(cid, config) == "notified")
        #expect(try outcomes().isEmpty)
        // Removed again 1 h 01 after the first removed check: the cluster is removed, the citizens told.
        let last = try Self.check(cid, config, offset: 600 + 3660)
        #expect(last.stdout.contains("removed (confirmed by two checks)"), "\(last.stdout)")
        #expect(!(last.stdout + last.stderr).contains("@\(d)"), "a citizen's address in the output")
        #expect(try Self.status(cid, config) == "removed")

        let show = try VigieCLI.run(["clusters", "show", cid, "--json"], config: config)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        let checks = try #require(object["checks"] as? [[String: Any]])
        #expect(checks.map { $0["verdict"] as? String } == ["online", "removed", "removed", "removed"])
        #expect(checks.map { $0["http_status"] as? Int } == [200, 404, 404, 404])
        #expect(checks.allSatisfy { $0["url"] as? String == url && $0["method"] as? String == "http" })
        let events = try #require(object["events"] as? [[String: Any]])
        #expect(events.last?["author"] as? String == "vérification automatique")
        #expect(events.last?["to"] as? String == "removed")

        #expect(try outcomes().map(\.recipient).sorted() == ["alice@\(d)", "bruno@\(d)"])
        // The next poll sends them: at the sink, one each.
        #expect(try VigieCLI.run(["poll", "--once"], config: config).status == 0)
        let dumps = CLIAcknowledgementTests.sinkDumps(domain: d, count: 4).filter {
            $0.message.contains("\r\nAuto-Submitted: auto-generated\r\n")
        }
        #expect(dumps.map(\.recipients).sorted { $0[0] < $1[0] } == [["alice@\(d)"], ["bruno@\(d)"]])
        // Removed is final: a further check is kept and enqueues nothing more.
        _ = try Self.check(cid, config, offset: 9000)
        #expect(try outcomes().count == 2)
    }

    @Test func unknownOrASingleRemovedChangesNothing() throws {
        try LocalServers.requireIMAP()
        let site = try Site()
        defer { site.server.stop() }
        let user = LocalServers.uniqueUser()
        let tag = UUID().uuidString
        let d = "c\(tag.prefix(8).lowercased()).exemple.fr"
        let busy = site.server.baseURL + "/busy/\(tag.prefix(8))"
        let once = site.server.baseURL + "/once/\(tag.prefix(8))"
        try LocalServers.deliver(
            [
                CLIAcknowledgementTests.mail(from: "alice@\(d)", id: "a1-\(tag)@exemple.fr", body: busy),
                CLIAcknowledgementTests.mail(from: "bruno@\(d)", id: "b1-\(tag)@exemple.fr", body: once),
            ], to: user)
        let (config, open) = try Self.config(user: user)
        let store = try open()
        let busyID = try Self.notifiedCluster(busy, config: config, store: store)
        let onceID = try Self.notifiedCluster(once, config: config, store: store)
        // 429 at every check, days apart: unknown, never removed.
        for offset: Double in [0, 7200, 259_200] { _ = try Self.check(busyID, config, offset: offset) }
        #expect(try Self.status(busyID, config) == "notified")
        #expect(try store.linkChecks(clusterID: Int64(busyID)!).map(\.verdict) == [.unknown, .unknown, .unknown])
        // One removed check: recorded, nothing else.
        site.remove()
        _ = try Self.check(onceID, config, offset: 0)
        #expect(try Self.status(onceID, config) == "notified")
        #expect(try CLIAcknowledgementTests.outbox(store).filter { $0.kind == "outcome" }.isEmpty)
        // An unknown cluster: one line, non-zero exit.
        let bad = try VigieCLI.run(["clusters", "check", "999999"], config: config)
        #expect(bad.status != 0 && bad.stderr.contains("cluster 999999 not found"), "\(bad.stderr)")
        // --json: one object per cluster; a second removed check at the same time still decides nothing.
        let json = try VigieCLI.run(["clusters", "check", onceID, "--json"], config: config)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(list.count == 1 && list[0]["cluster_id"] as? Int == Int(onceID))
        #expect(list[0]["marked_removed"] as? Bool == false)
        let checks = try #require(list[0]["checks"] as? [[String: Any]])
        #expect(checks.map { $0["verdict"] as? String } == ["removed"] && checks[0]["url"] as? String == once)
        #expect(try Self.status(onceID, config) == "notified")
    }

    /// Three URLs of one content on one host, checked with a 0.3 s per-host limit: the requests reach the server
    /// spaced by the limit (HEAD answered 200: one request per check).
    @Test func oneHostIsAskedAtMostOncePerInterval() throws {
        try LocalServers.requireIMAP()
        let site = try Site()
        defer { site.server.stop() }
        let user = LocalServers.uniqueUser()
        let tag = UUID().uuidString
        let d = "c\(tag.prefix(8).lowercased()).exemple.fr"
        let base = site.server.baseURL + "/p/\(tag.prefix(8))"
        let urls = ["a", "b", "c"].map { base + "?utm_source=\($0)" }
        try LocalServers.deliver(
            [
                CLIAcknowledgementTests.mail(
                    from: "alice@\(d)", id: "a1-\(tag)@exemple.fr", body: urls.joined(separator: " \r\n"))
            ], to: user)
        let (config, open) = try Self.config(user: user, interval: 0.3)
        let store = try open()
        let cid = try Self.notifiedCluster(urls[0], config: config, store: store)
        let r = try Self.check(cid, config, offset: 0)
        #expect(r.stdout.components(separatedBy: "online").count - 1 == 3, "\(r.stdout)")
        let times = site.state.seen.withLock { $0 }.filter { $0.path.hasPrefix("/p/") }.map(\.at).sorted()
        #expect(times.count == 3)
        for (a, b) in zip(times, times.dropFirst()) {
            #expect(b.timeIntervalSince(a) >= 0.25, "requests \(b.timeIntervalSince(a)) s apart")
        }
    }

    /// Under `serve` (its clock shifted past the slots): the 1 h slot's check, then the 6 h slot's, both 404, close
    /// the cluster, and the outbox sends the citizens' outcome notices.
    @Test func serveChecksWhenTheSlotsComeAndClosesTheRemoval() throws {
        try LocalServers.requireIMAP()
        try LocalServers.requireSMTPSinkDump()
        let site = try Site()
        defer { site.server.stop() }
        site.remove()
        let f = try ServeFixture()
        try f.enableAcknowledgements()
        let d = "serve-\(UUID().uuidString.prefix(8).lowercased()).example"
        let url = site.server.baseURL + "/serve/\(UUID().uuidString.prefix(8))"
        try LocalServers.deliver(
            [reportMail(1, from: "alice@\(d)", url: url), reportMail(2, from: "bruno@\(d)", url: url)], to: f.user)
        #expect(try f.run(["poll", "--once"]).status == 0)
        let cluster = try #require(try f.store().clusters().first { $0.urls.contains(url) })
        let cid = cluster.id
        #expect(try f.run(["clusters", "qualify", String(cid), "provocation-haine-raciale", "--by", "m"]).status == 0)
        #expect(try f.run(["clusters", "mark", String(cid), "notified", "--by", "m"]).status == 0)
        #expect(try f.store().linkChecks(clusterID: cid).isEmpty)

        // Serve's clock 1 h 02 after the notice: the first slot is due, checked once.
        let first = try f.serve(["--test-clock-offset", "3720"])
        #expect(
            eventually(timeout: 30, every: 0.05) { (try? f.store().linkChecks(clusterID: cid).count) == 1 },
            "\(first.stderrSoFar)")
        #expect(first.terminate().status == 0)
        #expect(try f.store().clusters().first { $0.id == cid }?.status == .notified)

        // 6 h 02 after: the second slot; two removed checks 5 h apart close it.
        let second = try f.serve(["--test-clock-offset", String(6 * 3600 + 120)])
        var notices: [SinkDump] = []
        #expect(
            eventually(timeout: 30, every: 0.05) {
                notices = SinkDump.read(LocalServers.sinkDir, domain: d).filter {
                    $0.message.contains("\r\nAuto-Submitted: auto-generated\r\n")
                }
                return notices.count >= 2
            }, "\(second.stderrSoFar)")
        let r = second.terminate()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("marked removed"), "\(r.stderr)")
        #expect(!r.stderr.contains("@\(d)"), "a citizen's address in the logs")
        #expect(Set(notices.flatMap(\.recipients)) == ["alice@\(d)", "bruno@\(d)"])
        #expect(try f.store().clusters().first { $0.id == cid }?.status == .removed)
        #expect(try f.store().linkChecks(clusterID: cid).map(\.verdict) == [.removed, .removed])
    }
}
