import Foundation
import Logging
import Testing
import VigieApp
import VigieCore
import VigieMail
import VigieStore

/// A citizen's report as a mail client would send it (CRLF, UTF-8).
func reportMail(
    _ n: Int, from: String = "citoyen@exemple.fr", url: String? = nil, extraHeaders: String = ""
)
    -> [UInt8]
{
    let link = url ?? "https://x.com/compte/status/17900000000000\(n)?s=20"
    return Array(
        """
        From: Citoyen \(n) <\(from)>\r
        To: signalements@example.org\r
        Subject: Signalement =?utf-8?q?n=C2=B0?= \(n)\r
        Date: Sat, 21 Nov 2026 10:00:00 +0100\r
        Message-ID: <report-\(n)-\(UUID().uuidString)@exemple.fr>\r
        MIME-Version: 1.0\r
        Content-Type: text/plain; charset=utf-8\r
        \(extraHeaders)\r
        Bonjour, je vous signale ce contenu : \(link)\r
        Merci.\r

        """.utf8)
}

/// An intake queue on the local Dovecot for one test user.
func localQueue(user: String, processed: String? = "Archive", maxBytes: Int = 25 << 20) -> IntakeQueue {
    IntakeQueue(
        name: "reports", file: "queues/reports.toml", role: .reports,
        endpoint: IMAPEndpoint(
            host: LocalServers.host, port: LocalServers.imapPort, security: .plain,
            user: user, password: LocalServers.password),
        mailbox: "INBOX", processedMailbox: processed, idle: true, pollIntervalSeconds: 5,
        maxMessageBytes: maxBytes, enabled: true)
}

/// A store in a temporary folder with the runner of one queue over it.
final class IntakeFixture {
    let dir: String
    let store: Store
    let queue: IntakeQueue
    let runner: IntakeRunner
    let clusters: ClusterService

    init(queue: IntakeQueue, batchCount: Int = 500) throws {
        dir = NSTemporaryDirectory() + "vigie-intake-" + UUID().uuidString
        store = try Store(path: dir + "/vigie.sqlite")
        self.queue = queue
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let clusters = ClusterService(store: store, settings: ClusterSettings(resolveShortLinks: false), logger: logger)
        self.clusters = clusters
        var processor = ReportProcessor(
            store: store, queue: queue.name, extractor: URLExtractor(ignoredHosts: ["example.org"]),
            maxMessageBytes: queue.maxMessageBytes, logger: logger)
        processor.onReports = { try clusters.link(reportIDs: $0) }
        runner = IntakeRunner(
            queue: queue, store: store, processor: processor, logger: logger, batchCount: batchCount)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }
}

@Suite(.serialized) struct IntakeIntegrationTests {
    @Test func storesEveryMessageOnceThenMovesIt() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        try LocalServers.deliver((1...25).map { reportMail($0, from: "c\($0 % 7)@exemple.fr") }, to: user)
        let f = try IntakeFixture(queue: localQueue(user: user))

        let first = try f.runner.pollOnce()
        #expect(first.fetched == 25)
        #expect(first.stored == 25)
        #expect(first.parsed == 25)
        #expect(try f.store.reports().count == 25)
        #expect(try LocalServers.messageCount(of: user, mailbox: "INBOX") == 0)
        #expect(try LocalServers.messageCount(of: user, mailbox: "Archive") == 25)
        #expect(try LocalServers.flags(of: user, mailbox: "Archive").values.allSatisfy { $0.contains("\\Seen") })

        // Idempotent: nothing new, nothing added.
        let second = try f.runner.pollOnce()
        #expect(second.stored == 0)
        #expect(try f.store.reports().count == 25)

        // New mail after that is picked up alone.
        try LocalServers.deliver((26...30).map { reportMail($0) }, to: user)
        #expect(try f.runner.pollOnce().stored == 5)
        let all = try f.store.reports()
        #expect(all.count == 30)
        #expect(all.allSatisfy { $0.status == .parsed && $0.urls.count == 1 })
        #expect(all.last?.subject == "Signalement n° 1")
        #expect(try f.store.clusters().count == 30)
    }

    /// Many small batches, each fetched while the previous one is stored and parsed beside the one before it being
    /// linked set-wise: the clusters come out with the counts a rebuild from the reports alone gives.
    @Test func overlappedBatchesGiveTheCountsOfARebuild() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        let variants = [
            "https://x.com/a/status/1790000000000000%d", "https://twitter.com/a/status/1790000000000000%d?s=20",
            "https://mobile.x.com/a/status/1790000000000000%d",
        ]
        try LocalServers.deliver(
            (1...60).map { n in
                reportMail(n, from: "c\(n % 9)@exemple.fr", url: String(format: variants[n % 3], n % 8))
            }, to: user)
        let f = try IntakeFixture(queue: localQueue(user: user), batchCount: 7)
        let stats = try f.runner.pollOnce()
        #expect(stats.fetched == 60 && stats.stored == 60 && stats.parsed == 60)
        #expect(try LocalServers.messageCount(of: user, mailbox: "INBOX") == 0)
        #expect(try LocalServers.messageCount(of: user, mailbox: "Archive") == 60)
        let now = Date()
        let incremental = try f.store.clusters(now: now)
        #expect(incremental.count == 8)
        #expect(incremental.map(\.reports).reduce(0, +) == 60)
        #expect(try f.store.reportsAwaitingLink() == 0)
        try f.clusters.rebuild()
        #expect(try f.store.clusters(now: now) == incremental)
    }

    @Test func sameMessageTwiceIsStoredOnceAndFlaggedInPlace() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        let m = reportMail(1)
        try LocalServers.deliver([m, m, reportMail(2)], to: user)
        let f = try IntakeFixture(queue: localQueue(user: user, processed: nil))
        let s = try f.runner.pollOnce()
        #expect(s.stored == 2)
        #expect(s.duplicates == 1)
        // Without processed_mailbox every message stays in INBOX, flagged \Seen after the commit.
        let flags = try LocalServers.flags(of: user)
        #expect(flags.count == 3)
        #expect(flags.values.allSatisfy { $0.contains("\\Seen") })
    }

    @Test func uidValidityChangeRescansWithoutDuplicating() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        try LocalServers.deliver((1...6).map { reportMail($0) }, to: user)
        let f = try IntakeFixture(queue: localQueue(user: user, processed: nil))
        #expect(try f.runner.pollOnce().stored == 6)
        let before = try #require(try f.store.checkpoint(mailbox: f.queue.mailboxKey))

        try LocalServers.doveadm([
            "mailbox", "update", "-u", user, "--uid-validity", String(before.uidValidity + 1000),
            "INBOX",
        ])
        try LocalServers.deliver([reportMail(7)], to: user)
        let s = try f.runner.pollOnce()
        #expect(s.stored == 1)
        #expect(s.duplicates == 6)
        #expect(try f.store.reports().count == 7)
        #expect(try f.store.checkpoint(mailbox: f.queue.mailboxKey)?.uidValidity == before.uidValidity + 1000)
    }

    @Test func oversizedMessageIsRecordedNotFetchedAndDoesNotStall() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        var big = reportMail(1)
        big += Array(String(repeating: "Capture d'écran en pièce jointe, très lourde. ", count: 200).utf8)
        try LocalServers.deliver([big, reportMail(2)], to: user)
        let f = try IntakeFixture(queue: localQueue(user: user, maxBytes: 4096))
        let s = try f.runner.pollOnce()
        #expect(s.stored == 2)
        #expect(s.tooLarge == 1)
        let tooLarge = try f.store.reports(status: .tooLarge)
        #expect(tooLarge.count == 1)
        let d = try #require(try f.store.report(id: tooLarge[0].id))
        #expect(d.size == big.count)
        #expect(d.summary.subject == "Signalement n° 1")
        #expect(d.parseError?.contains("max_message_bytes") == true)
        #expect(try f.store.reports(status: .parsed).count == 1)
    }

    @Test func automaticAndBrokenMailIsKeptButNotCounted() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        let auto = reportMail(1, extraHeaders: "Auto-Submitted: auto-replied\r\n")
        let bulk = reportMail(2, extraHeaders: "Precedence: bulk\r\n")
        try LocalServers.deliver([auto, bulk, reportMail(3)], to: user)
        let f = try IntakeFixture(queue: localQueue(user: user))
        let s = try f.runner.pollOnce()
        #expect(s.stored == 3)
        #expect(s.automatic == 2)
        #expect(s.parsed == 1)
        #expect(try f.store.clusters().count == 1)
    }

    @Test func idleDeliversNewMailWithoutWaitingForThePollInterval() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        var q = localQueue(user: user)
        q.pollIntervalSeconds = 600
        let f = try IntakeFixture(queue: q)
        let service = IntakeService(runners: [f.runner], logger: Logger(label: "test"))
        let stop = StopSignal()
        let done = DispatchSemaphore(value: 0)
        Thread {
            try? service.run(until: stop)
            done.signal()
        }.start()
        defer {
            stop.stop()
            done.wait()
        }
        // The first pass records the mailbox's checkpoint; the poller then waits in IDLE.
        #expect(try eventually { try f.store.checkpoint(mailbox: f.queue.mailboxKey) != nil })
        try LocalServers.deliver([reportMail(1)], to: user)
        // Far below the 600 s poll interval: only IDLE can have woken the poller.
        _ = try eventually(timeout: 15, every: 0.05) { try !f.store.reports().isEmpty }
        #expect(try f.store.reports().count == 1)
    }

    @Test func unreachableServerFailsWithAClearTransientError() throws {
        var q = localQueue(user: "nobody")
        q.endpoint.port = LocalServers.closedPort()
        let f = try IntakeFixture(queue: q)
        let service = IntakeService(runners: [f.runner], logger: Logger(label: "test"))
        do {
            _ = try service.pollOnce()
            Issue.record("poll against a closed port succeeded")
        } catch {
            let text = "\(error)"
            #expect(text.contains("queue reports"))
            #expect(text.contains("127.0.0.1:\(q.endpoint.port)"))
            #expect(text.contains("servers.sh start"))
        }
    }
}
