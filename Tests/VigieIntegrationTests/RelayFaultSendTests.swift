import Foundation
import Logging
import Testing
import VigieCore
import VigieStore

@testable import VigieApp

/// `newsletter send` against misbehaving relays: a fault of the relay stops the run with one line naming it, leaves
/// every delivery as it was, and the next run against a healthy relay sends everyone exactly once.
@Suite(.serialized) struct RelayFaultSendTests {
    /// A misbehaving relay for one test, the queue keys that point at it, and how to stop it.
    struct Relay {
        var url: String
        var keys: String
        var servers: [TestSMTPServer]
        var tls: SMTPTLSTests.TLSServer?

        func stop() {
            servers.forEach { $0.stop() }
            tls?.stop()
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// What the one-line error must say.
        var cause: String
        var needsOpenSSL = false
        var make: @Sendable () throws -> Relay
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "untrusted certificate behind STARTTLS", cause: "untrusted certificate — set ca_file",
            needsOpenSSL: true
        ) {
            let tls = try SMTPTLSTests.TLSServer()
            let server = try TestSMTPServer(session: .init(starttlsPort: tls.port))
            return Relay(url: server.url, keys: "starttls = true", servers: [server], tls: tls)
        },
        Case(name: "STARTTLS required, not offered", cause: "the relay does not offer STARTTLS") {
            let server = try TestSMTPServer()
            return Relay(url: server.url, keys: "starttls = true", servers: [server])
        },
        Case(name: "no AUTH offered", cause: "the relay offers no AUTH but a user is configured") {
            let server = try TestSMTPServer()
            return Relay(url: server.url, keys: "user = \"vigie\"\npassword = \"s3cret\"", servers: [server])
        },
        Case(name: "credentials refused", cause: "credentials refused (535) — check user and password") {
            let server = try TestSMTPServer(credentials: ("vigie", "right"))
            return Relay(url: server.url, keys: "user = \"vigie\"\npassword = \"wrong\"", servers: [server])
        },
        Case(name: "553 to MAIL FROM", cause: "the relay refused the session at MAIL FROM (553 5.7.1 Sender") {
            let server = try TestSMTPServer(session: .init(mailFrom: .init(code: 553, text: "5.7.1 Sender rejected")))
            return Relay(url: server.url, keys: "", servers: [server])
        },
        Case(name: "554 greeting", cause: "the relay refused the session at its greeting (554") {
            let server = try TestSMTPServer(session: .init(greeting: .init(code: 554, text: "5.3.2 Go away")))
            return Relay(url: server.url, keys: "", servers: [server])
        },
    ]

    static let opensslPresent = FileManager.default.isExecutableFile(atPath: SMTPTLSTests.openssl)

    @Test(arguments: cases)
    func relayFaultStopsTheRunAndTouchesNoDelivery(c: Case) throws {
        if c.needsOpenSSL && !Self.opensslPresent { return }
        try LocalServers.requireSMTPSinkDump()
        let relay = try c.make()
        defer { relay.stop() }
        let domain = "relay-\(UUID().uuidString.prefix(8).lowercased()).example"
        let f = try NewsletterFixture(
            smtpURL: relay.url, connections: 2, extraKeys: relay.keys + "\ntimeout_seconds = 5")
        let subs = try f.subscribe(6, domain: domain)
        let edition = try f.edition(id: "e-relay")

        let send = try f.run(["newsletter", "send", edition])
        #expect(send.status != 0, "a relay fault must not exit 0: \(send.stdout)")
        let errors = send.stderr.split(separator: "\n").filter { $0.hasPrefix("vigie: ") }
        #expect(errors.count == 1, "\(send.stderr)")
        let port = try #require(URLComponents(string: relay.url)?.port)
        let line = String(errors.first ?? "")
        #expect(line.hasPrefix("vigie: relay 127.0.0.1:\(port): "), "\(line)")
        #expect(line.contains(c.cause), "\(line)")
        #expect(!line.contains("s3cret") && !line.contains("wrong"), "credentials in \(line)")
        #expect(!send.stderr.contains("@" + domain), "a recipient was named or blamed: \(send.stderr)")
        #expect(relay.servers.allSatisfy { $0.messages.isEmpty })

        // Every row as it was before the run: pending, no attempt counted, no reply recorded.
        let store = try Store(path: f.dir + "/var/vigie.sqlite")
        let status = try #require(try store.editionStatus("e-relay"))
        #expect(status.pending == 6 && status.failed == 0 && status.deferred == 0 && status.sent == 0, "\(status)")
        let rows = try store.dueDeliveries(editionID: "e-relay", limit: 100)
        #expect(rows.count == 6)
        #expect(rows.allSatisfy { $0.state == .pending && $0.attempts == 0 }, "\(rows)")

        // Fixed relay, same command: everyone once.
        try f.writeQueue(smtpURL: "smtp://127.0.0.1:\(LocalServers.smtpPort)", connections: 2)
        let resume = try f.run(["newsletter", "send", edition])
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(resume.stdout.contains("sent 6, failed 0, deferred 0, pending 0, skipped 0 of 6"), "\(resume.stdout)")
        var dumps: [SinkDump] = []
        _ = eventually(timeout: 5, every: 0.05) {
            dumps = SinkDump.read(LocalServers.sinkDir, domain: domain)
            return dumps.count >= 6
        }
        let received = dumps.flatMap(\.recipients)
        #expect(received.sorted() == subs.sorted(), "each subscriber exactly once")
    }

    /// Faults that may clear (refused, 4xx to MAIL FROM, 421 greeting): each connection reconnects with backoff a
    /// bounded number of times, then the run stops with the relay's fault; the rows stay as they were.
    @Test(arguments: ["refused", "451 MAIL FROM", "421 greeting"])
    func transientFaultsAreRetriedABoundedNumberOfTimes(kind: String) throws {
        let server: TestSMTPServer
        switch kind {
        case "451 MAIL FROM":
            server = try TestSMTPServer(session: .init(mailFrom: .init(code: 451, text: "4.3.0 Try again later")))
        case "421 greeting":
            server = try TestSMTPServer(session: .init(greeting: .init(code: 421, text: "4.3.2 Too busy")))
        default:
            server = try TestSMTPServer()
        }
        let url = server.url
        if kind == "refused" { server.stop() }
        defer { server.stop() }
        let f = try NewsletterFixture(smtpURL: url, connections: 2, extraKeys: "timeout_seconds = 5")
        _ = try f.subscribe(4, domain: "transient.example")
        let (edition, sha) = try NewsletterService.loadEdition(try f.edition(id: "e-transient"))

        setenv("VIGIE_TEST_NEWSLETTER_SECRET", NewsletterFixture.secret, 1)
        let context = try AppContext.load(configPath: f.config, logger: Logger(label: "test"))
        var settings = try context.newsletterSettings()
        settings.dispatch.reconnectBaseSeconds = 0.02
        settings.dispatch.reconnectMaxSeconds = 0.1
        let store = try context.store()
        let service = NewsletterService(
            store: store, settings: settings, config: context.config,
            logger: Logger(label: "test"))
        let stop = StopSignal()
        do {
            let status = try service.send(edition, sha256: sha, stop: stop)
            Issue.record("the send ended normally against a failing relay: \(status)")
        } catch let e as RelayError {
            #expect(e.relay == "127.0.0.1:\(URLComponents(string: url)!.port!)")
            #expect(e.attempts == DispatchSettings.defaultMaxRelayFaults)
            #expect(e.fault.isTransient, "\(e)")
            #expect("\(e)".hasPrefix("relay 127.0.0.1:"))
            #expect("\(e)".contains("(gave up after 5 tries)"), "\(e)")
        }
        #expect(!stop.isStopped, "a relay fault is not an interruption")
        if kind != "refused" {
            // Two connections, each giving up after the bound: no more tries than that.
            #expect(server.connectionCount == 2 * DispatchSettings.defaultMaxRelayFaults)
        }
        let status = try #require(try store.editionStatus("e-transient"))
        #expect(status.pending == 4 && status.failed == 0 && status.deferred == 0, "\(status)")
        #expect(try store.dueDeliveries(editionID: "e-transient", limit: 10).allSatisfy { $0.attempts == 0 })
    }

    /// Recipient-level replies still decide for that recipient alone, among healthy ones: 5xx at RCPT fails it,
    /// 4xx defers it, and an unanswered end of data is deferred (the relay may have taken it) after about the
    /// configured timeout — the whole run stays well under 3 × 2 s per attempt.
    @Test func recipientRepliesStillDecideForThatRecipientOnly() throws {
        let server = try TestSMTPServer(scripts: [
            "s1@rcpt.example": [.reply(.rcpt, 550, "5.1.1 <s1@rcpt.example>: Recipient address rejected")],
            "s2@rcpt.example": [.reply(.rcpt, 451, "4.7.1 Greylisted")],
            "s3@rcpt.example": [.silent(.endOfData)],
        ])
        defer { server.stop() }
        let f = try NewsletterFixture(
            smtpURL: server.url, connections: 1, retryBase: 600, maxAttempts: 3,
            extraKeys: "timeout_seconds = 2")
        _ = try f.subscribe(6, domain: "rcpt.example")
        let start = Date()
        let send = try f.run(["newsletter", "send", "--no-wait", try f.edition(id: "e-rcpt")])
        let elapsed = Date().timeIntervalSince(start)
        #expect(send.status == 0, "\(send.stderr)")
        #expect(send.stdout.contains("sent 3, failed 1, deferred 2, pending 0, skipped 0 of 6"), "\(send.stdout)")
        #expect(elapsed < 6, "an unanswered DATA with a 2 s timeout made the run take \(elapsed) s")
        let failures = try f.run(["newsletter", "failures", "e-rcpt"])
        #expect(failures.stdout.contains("s1@rcpt.example"))
        #expect(failures.stdout.contains("550"))
        #expect(
            Set(server.messages.flatMap(\.recipients)) == ["s0@rcpt.example", "s4@rcpt.example", "s5@rcpt.example"])
    }
}
