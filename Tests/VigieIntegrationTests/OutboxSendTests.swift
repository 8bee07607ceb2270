import Foundation
import Testing
import VigieCore
import VigieStore

#if canImport(Glibc)
    import Glibc
#endif

/// A `vigie init` folder whose `acknowledgements` queue is enabled and points at `smtpURL`, with rows enqueued
/// straight into the store (what the acknowledgement policy does after a report is stored).
struct OutboxFixture {
    let config: String
    let dir: String

    init(smtpURL: String, rate: Double = 0, connections: Int = 2, retryBase: Double = 0.2, maxAttempts: Int = 3,
         user: String = "nobody", extraKeys: String = "") throws {
        config = try VigieCLI.initConfig(user: user)
        dir = (config as NSString).deletingLastPathComponent
        try writeQueue(smtpURL: smtpURL, rate: rate, connections: connections, retryBase: retryBase,
                       maxAttempts: maxAttempts, extraKeys: extraKeys)
    }

    /// (Re)writes `queues/acknowledgements.toml`.
    func writeQueue(smtpURL: String, rate: Double = 0, connections: Int = 2, retryBase: Double = 0.2,
                    maxAttempts: Int = 3, extraKeys: String = "") throws {
        let queue = """
            kind = "acknowledgements"
            enabled = true
            from = "Signalements <signalements@example.org>"
            smtp_url = "\(smtpURL)"
            rate_per_second = \(rate)
            connections = \(connections)
            max_attempts = \(maxAttempts)
            retry_base_seconds = \(retryBase)
            retry_max_seconds = \(max(retryBase, 1))
            reconnect_base_seconds = 0.05
            reconnect_max_seconds = 0.2
            \(extraKeys)
            """
        try queue.write(toFile: dir + "/queues/acknowledgements.toml", atomically: true, encoding: .utf8)
    }

    var store: Store { get throws { try Store(path: dir + "/var/vigie.sqlite") } }

    /// Enqueues `n` acknowledgements to `c<i>@<domain>`, each with a Message-ID naming it; returns the addresses.
    @discardableResult
    func enqueue(_ n: Int, domain: String, from start: Int = 0) throws -> [String] {
        let items = (start..<(start + n)).map { i in
            let to = "c\(i)@\(domain)"
            let message = "From: Signalements <signalements@example.org>\r\nTo: \(to)\r\n"
                + "Message-ID: <ack-\(i).\(domain)@vigie.example.org>\r\nSubject: Signalement recu\r\n"
                + "Auto-Submitted: auto-replied\r\n\r\nBonjour,\r\nvotre signalement \(i) est bien arrive.\r\n"
            return OutboxItem(kind: .acknowledgement, queue: "acknowledgements", dedupeKey: "ack:report:\(domain):\(i)",
                              recipient: to, envelopeFrom: "", messageID: "ack-\(i).\(domain)@vigie.example.org",
                              bytes: Array(message.utf8), subjectRef: "report:\(i)")
        }
        try store.enqueue(items)
        return items.map(\.recipient)
    }

    @discardableResult
    func run(_ args: [String]) throws -> VigieCLI.Result { try VigieCLI.run(args, config: config) }

    /// (state, attempts) of the row sent to `recipient`.
    func row(_ recipient: String) throws -> (state: OutboxState, attempts: Int) {
        let rows = try store.dueOutbox(queue: "acknowledgements", now: .distantFuture, limit: 100_000)
        if let r = rows.first(where: { $0.recipient == recipient }) { return (r.state, r.attempts) }
        let failed = try store.outboxFailures()
        if let f = failed.first(where: { $0.recipient == recipient }) { return (.failed, f.attempts) }
        return (.sent, -1)
    }
}

/// `vigie outbox send|status|failures|retry` and `vigie poll` sending the acknowledgements, against smtp-sink and the
/// scripted TestSMTPServer: the newsletter's promises, for the outbox.
@Suite(.serialized) struct OutboxSendTests {
    static func counts(_ recipients: [String]) -> [String: Int] {
        recipients.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    @Test func everyMessageOnceAtTheSinkWithItsEnqueuedBytes() throws {
        try LocalServers.requireSMTPSinkDump()
        let domain = "outbox-\(UUID().uuidString.prefix(8).lowercased()).example"
        let f = try OutboxFixture(smtpURL: "smtp://127.0.0.1:\(LocalServers.smtpPort)", connections: 3)
        let n = 30
        let to = try f.enqueue(n, domain: domain)
        let send = try f.run(["outbox", "send"])
        #expect(send.status == 0, "\(send.stderr)")
        #expect(send.stdout.contains("outbox acknowledgements: \(n) sent, 0 failed, 0 deferred"), "\(send.stdout)")
        #expect(!send.stderr.contains("@" + domain), "an address was logged: \(send.stderr)")
        var dumps: [SinkDump] = []
        _ = eventually(timeout: 10, every: 0.05) {
            dumps = SinkDump.read(LocalServers.sinkDir, domain: domain)
            return dumps.count >= n
        }
        let got = Self.counts(dumps.flatMap(\.recipients))
        #expect(Set(got.keys) == Set(to), "somebody was skipped")
        #expect(got.values.allSatisfy { $0 == 1 }, "somebody got it twice")
        #expect(dumps.count == n)
        // The bytes enqueued are the bytes sent; the envelope sender is the null sender.
        for d in dumps {
            let i = try #require(d.recipients.first.flatMap { $0.split(separator: "@").first?.dropFirst() })
            #expect(d.message.contains("Message-ID: <ack-\(i).\(domain)@vigie.example.org>"))
            #expect(d.mailFrom.isEmpty, "envelope sender \(d.mailFrom)")
        }
        let status = try f.run(["outbox", "status", "--json"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("\"sent\" : \(n)"), "\(status.stdout)")
        #expect(status.stdout.contains("\"pending\" : 0"), "\(status.stdout)")
        // Nothing is due any more: a second send sends nothing.
        let again = try f.run(["outbox", "send"])
        #expect(again.stdout.contains("0 sent"), "\(again.stdout)")
    }

    /// kill -9 in the middle of a send, then resume: nobody skipped, duplicates at most `connections`.
    @Test func killNineMidSendThenResume() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let connections = 3
        let f = try OutboxFixture(smtpURL: server.url, rate: 150, connections: connections)
        let to = try f.enqueue(400, domain: "kill.example")
        let p = try VigieCLI.start(["outbox", "send"], config: f.config)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        _ = eventually(timeout: 20, every: 0.005) { server.messages.count >= 120 }
        #expect(p.isRunning, "the send finished before the kill: the test proved nothing")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(server.messages.count < 400)

        let resume = try f.run(["outbox", "send"])
        #expect(resume.status == 0, "\(resume.stderr)")
        let got = Self.counts(server.messages.flatMap(\.recipients))
        #expect(Set(got.keys) == Set(to), "somebody was skipped")
        let duplicates = got.values.reduce(0) { $0 + ($1 - 1) }
        #expect(duplicates <= connections, "\(duplicates) duplicates for \(connections) connections")
        let status = try f.run(["outbox", "status", "--json"])
        #expect(status.stdout.contains("\"sent\" : 400"), "\(status.stdout)")
    }

    /// A 4xx defers the message (the others go on); `--no-wait` leaves it deferred, a later send retries it.
    @Test func a4xxIsDeferredThenRetried() throws {
        let server = try TestSMTPServer(scripts: ["c1@grey.example": [.reply(.rcpt, 451, "4.7.1 Greylisted"), .accept]])
        defer { server.stop() }
        let f = try OutboxFixture(smtpURL: server.url, connections: 1, retryBase: 0.3)
        let to = try f.enqueue(3, domain: "grey.example")
        let first = try f.run(["outbox", "send", "--no-wait"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("2 sent, 0 failed, 1 deferred"), "\(first.stdout)")
        #expect(first.stdout.contains("1 still to send"), "\(first.stdout)")
        #expect(try f.row("c1@grey.example") == (.deferred, 1))
        let status = try f.run(["outbox", "status"])
        #expect(status.stdout.contains("deferred 1"), "\(status.stdout)")
        // Without --no-wait the send waits for the retry, which the relay now accepts.
        let second = try f.run(["outbox", "send"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("1 sent, 0 failed, 0 deferred"), "\(second.stdout)")
        #expect(Self.counts(server.messages.flatMap(\.recipients)) == Dictionary(uniqueKeysWithValues: to.map { ($0, 1) }))
    }

    /// A 5xx fails the message with the relay's reply; `failures` shows it to the operator, `retry` requeues it.
    @Test func a5xxFailsWithTheReplyThenFailuresAndRetry() throws {
        let server = try TestSMTPServer(scripts: [
            "c0@refuse.example": [.reply(.rcpt, 550, "5.1.1 <c0@refuse.example>: Recipient address rejected"), .accept],
        ])
        defer { server.stop() }
        let f = try OutboxFixture(smtpURL: server.url, connections: 1)
        try f.enqueue(2, domain: "refuse.example")
        let send = try f.run(["outbox", "send"])
        #expect(send.status == 0, "\(send.stderr)")
        #expect(send.stdout.contains("1 sent, 1 failed, 0 deferred"), "\(send.stdout)")
        #expect(!send.stderr.contains("c0@refuse.example"), "an address was logged at info level: \(send.stderr)")
        let failures = try f.run(["outbox", "failures", "--queue", "acknowledgements"])
        #expect(failures.stdout.contains("c0@refuse.example"), "\(failures.stdout)")
        #expect(failures.stdout.contains("550"), "\(failures.stdout)")
        #expect(failures.stdout.contains("Recipient address rejected"), "\(failures.stdout)")
        #expect(failures.stdout.contains("1 failed"))
        let json = try f.run(["outbox", "failures", "--json"])
        #expect(json.stdout.contains("\"code\" : 550"), "\(json.stdout)")
        #expect(try f.run(["outbox", "failures", "--kind", "digest"]).stdout.contains("0 failed"))
        let badKind = try f.run(["outbox", "failures", "--kind", "spam"])
        #expect(badKind.status != 0 && badKind.stderr.contains("unknown kind"), "\(badKind.stderr)")

        let retry = try f.run(["outbox", "retry"])
        #expect(retry.stdout.contains("requeued 1 messages"), "\(retry.stdout)")
        #expect(try f.row("c0@refuse.example") == (.pending, 0))
        let resend = try f.run(["outbox", "send"])
        #expect(resend.stdout.contains("1 sent, 0 failed"), "\(resend.stdout)")
        #expect(try f.run(["outbox", "failures"]).stdout.contains("0 failed"))
    }

    /// A relay fault stops the command with one line naming the relay; no row is touched.
    @Test func aRelayFaultLeavesTheRowsUntouched() throws {
        let server = try TestSMTPServer(session: .init(mailFrom: .init(code: 553, text: "5.7.1 Sender rejected")))
        defer { server.stop() }
        let f = try OutboxFixture(smtpURL: server.url, connections: 2)
        try f.enqueue(4, domain: "fault.example")
        let send = try f.run(["outbox", "send"])
        #expect(send.status == 1, "\(send.stdout)")
        let errors = send.stderr.split(separator: "\n").filter { $0.hasPrefix("vigie: ") }
        #expect(errors.count == 1, "\(send.stderr)")
        let line = String(errors.first ?? "")
        #expect(line.hasPrefix("vigie: relay 127.0.0.1:\(server.port): "), "\(line)")
        #expect(line.contains("553"), "\(line)")
        #expect(line.contains("no message was marked"), "\(line)")
        #expect(!send.stderr.contains("@fault.example"), "a recipient was named or blamed: \(send.stderr)")
        #expect(server.messages.isEmpty)
        let rows = try f.store.dueOutbox(queue: "acknowledgements", limit: 100)
        #expect(rows.count == 4)
        #expect(rows.allSatisfy { $0.state == .pending && $0.attempts == 0 }, "\(rows)")
    }

    /// Two sends of one queue: the second, started while the first runs, refuses with 75 and one line.
    @Test func twoSendsAtOnceOneRefuses() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let f = try OutboxFixture(smtpURL: server.url, rate: 80, connections: 2)
        let n = 240
        let to = try f.enqueue(n, domain: "twice.example")
        let first = try BackgroundVigie(["outbox", "send"], config: f.config)
        _ = eventually(timeout: 20, every: 0.005) { server.messages.count >= 40 }
        #expect(first.process.isRunning, "the first send finished before the second started: the test proved nothing")
        let second = try f.run(["outbox", "send"])
        #expect(second.status == 75, "\(second.status) \(second.stderr)")
        #expect(second.stderr.split(separator: "\n").count == 1, "\(second.stderr)")
        #expect(second.stderr.contains("job outbox:acknowledgements is already running: pid \(first.pid)"),
                "\(second.stderr)")
        let r1 = first.wait()
        #expect(r1.status == 0, "\(r1.stderr)")
        let got = Self.counts(server.messages.flatMap(\.recipients))
        #expect(Set(got.keys) == Set(to))
        #expect(got.values.allSatisfy { $0 == 1 })
    }

    @Test func unknownOrDisabledQueueIsOneLine() throws {
        let f = try OutboxFixture(smtpURL: "smtp://127.0.0.1:\(LocalServers.smtpPort)")
        let unknown = try f.run(["outbox", "send", "--queue", "nope"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no outbox queue named \"nope\""), "\(unknown.stderr)")
        let disabled = try f.run(["outbox", "send", "--queue", "digest"])
        #expect(disabled.status == 1)
        #expect(disabled.stderr.contains("the queue is disabled"), "\(disabled.stderr)")
        #expect(try f.run(["outbox", "status"]).stdout.contains("the outbox is empty"))
    }

    /// `poll --once` sends the acknowledgements due after its batch.
    @Test func pollOnceSendsTheDueAcknowledgements() throws {
        try LocalServers.requireIMAP()
        let server = try TestSMTPServer()
        defer { server.stop() }
        let f = try OutboxFixture(smtpURL: server.url, user: LocalServers.uniqueUser())
        let to = try f.enqueue(3, domain: "once.example")
        let poll = try f.run(["poll", "--once"])
        #expect(poll.status == 0, "\(poll.stderr)")
        #expect(poll.stdout.contains("outbox acknowledgements: 3 sent"), "\(poll.stdout)")
        #expect(Set(server.messages.flatMap(\.recipients)) == Set(to))
    }

    /// Continuous `poll`: a pass that stores mail wakes the sender at once (well before its idle minute); SIGTERM
    /// stops both.
    @Test func continuousPollSendsAfterABatch() throws {
        try LocalServers.requireIMAP()
        let server = try TestSMTPServer()
        defer { server.stop() }
        let user = LocalServers.uniqueUser()
        let f = try OutboxFixture(smtpURL: server.url, user: user)
        try f.enqueue(1, domain: "early.example")
        let poll = try BackgroundVigie(["poll"], config: f.config)
        // The rows due at start go at once.
        #expect(eventually(timeout: 20, every: 0.02) { server.messages.count >= 1 }, "\(poll.stderrSoFar)")
        // Recorded `sent` only once its run is over: later rows can then reach the wire only through a wake-up.
        #expect(eventually(timeout: 20, every: 0.02) { (try? f.store.outboxCounts().first?.sent) == 1 })
        let to = try f.enqueue(2, domain: "later.example")
        let mail = "From: Camille <camille@exemple.fr>\r\nTo: signalement@example.org\r\nSubject: Signalement\r\n"
            + "Message-ID: <wake-\(UUID().uuidString)@exemple.fr>\r\n\r\nhttps://x.com/a/status/1\r\n"
        try LocalServers.deliver([Array(mail.utf8)], to: user)
        let woken = eventually(timeout: 30, every: 0.02) {
            Set(server.messages.flatMap(\.recipients)).isSuperset(of: to)
        }
        #expect(woken, "the batch did not wake the sender: \(poll.stderrSoFar)")
        kill(poll.pid, SIGTERM)
        let r = poll.wait()
        #expect(r.status == 143, "\(r.stderr)")
        #expect(!r.stderr.contains("@later.example"), "an address was logged: \(r.stderr)")
    }
}
