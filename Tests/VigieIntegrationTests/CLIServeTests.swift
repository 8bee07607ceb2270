import Foundation
import Testing
import VigieCore
import VigieStore

/// A configuration for `vigie serve`: the newsletter fixture plus a reports queue on a fresh Dovecot user that only
/// IDLE can make quick (`poll_interval_seconds = 300`).
struct ServeFixture {
    let newsletter: NewsletterFixture
    let user: String
    var config: String { newsletter.config }
    var dir: String { newsletter.dir }

    init(smtpURL: String = "smtp://127.0.0.1:\(LocalServers.smtpPort)", rate: Double = 0, connections: Int = 2) throws {
        newsletter = try NewsletterFixture(smtpURL: smtpURL, rate: rate, connections: connections)
        user = LocalServers.uniqueUser()
        let queue = """
            kind = "intake"
            role = "reports"
            url = "imap://127.0.0.1:\(LocalServers.imapPort)"
            user = "\(user)"
            password = "\(LocalServers.password)"
            processed_mailbox = "Archive"
            poll_interval_seconds = 300
            """
        try queue.write(toFile: dir + "/queues/reports.toml", atomically: true, encoding: .utf8)
    }

    /// `vigie serve` in the background (JSON logs).
    func serve(_ extra: [String] = []) throws -> BackgroundVigie {
        try BackgroundVigie(
            ["serve", "--log-format", "json"] + extra, config: config,
            environment: newsletter.environment)
    }

    @discardableResult
    func run(_ args: [String]) throws -> VigieCLI.Result { try newsletter.run(args) }

    /// The stored reports' count (`reports list --json`).
    func reportCount() throws -> Int {
        let r = try run(["reports", "list", "--json", "--limit", "1000"])
        guard r.status == 0 else { return -1 }
        return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [Any])?.count ?? -1
    }

    func store() throws -> Store { try Store(path: dir + "/var/vigie.sqlite") }
}

extension BackgroundVigie {
    /// Waits until serve logged that its jobs run (and intake is connected, when `connected`).
    func waitUntilServing(connected: Bool = true) -> Bool {
        eventually(timeout: 30, every: 0.02) {
            let e = stderrSoFar
            return e.contains("serving: ") && (!connected || e.contains("connected to "))
        }
    }

    /// SIGTERM, then the exit.
    func terminate() -> VigieCLI.Result {
        kill(pid, SIGTERM)
        return wait()
    }
}

/// `vigie serve` end to end against the real Dovecot, smtp-sink and the repo's SMTP server.
@Suite(.serialized) struct CLIServeTests {
    /// A report delivered while serve runs is ingested through IDLE (the poll interval is 300 s); SIGTERM stops serve
    /// with 0; mail delivered while it is stopped is ingested by the next serve; nothing is lost or stored twice. The
    /// JSON log lines parse and name no citizen's address.
    @Test func ingestsThroughIdleStopsCleanlyAndRestartsWithoutLossOrDouble() throws {
        try LocalServers.requireIMAP()
        let f = try ServeFixture()
        try LocalServers.deliver([reportMail(1, from: "camille@exemple.fr")], to: f.user)
        let first = try f.serve()
        #expect(first.waitUntilServing(), "\(first.stderrSoFar)")
        #expect(try eventually(timeout: 30) { try f.reportCount() == 1 })
        // Delivered after the first pass: only IDLE can bring it in before the 300 s poll.
        try LocalServers.deliver([reportMail(2, from: "dominique@exemple.fr")], to: f.user)
        #expect(try eventually(timeout: 30) { try f.reportCount() == 2 }, "IDLE did not bring the second report in")
        let r1 = first.terminate()
        #expect(r1.status == 0, "\(r1.stderr)")

        try LocalServers.deliver(
            [reportMail(3, from: "eden@exemple.fr"), reportMail(4, from: "fanny@exemple.fr")],
            to: f.user)
        let second = try f.serve()
        #expect(second.waitUntilServing(), "\(second.stderrSoFar)")
        #expect(try eventually(timeout: 30) { try f.reportCount() == 4 })
        let r2 = second.terminate()
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(try f.reportCount() == 4, "a message was stored twice")
        #expect(try LocalServers.messageCount(of: f.user, mailbox: "Archive") == 4)

        for log in [r1.stderr, r2.stderr] {
            var lines = 0
            for line in log.split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                let o = try #require(object, "not a JSON object: \(line)")
                for key in ["ts", "level", "label", "message", "metadata"] { #expect(o[key] != nil, "\(key): \(line)") }
                #expect(!line.contains("@exemple.fr"), "an address at \(o["level"] ?? "?"): \(line)")
                lines += 1
            }
            #expect(lines >= 3)
            #expect(log.contains("stopping: every job finishes its work in flight"))
            #expect(log.contains("stopped: every job finished its work in flight"))
        }
    }

    /// Two serve on one database: the second exits 75 with one line naming the first; `poll` beside serve refuses on
    /// the mailbox's lease the same way.
    @Test func secondServeAndManualPollRefuse() throws {
        try LocalServers.requireIMAP()
        let f = try ServeFixture()
        let first = try f.serve()
        #expect(first.waitUntilServing(), "\(first.stderrSoFar)")
        let second = try VigieCLI.run(["serve"], config: f.config, environment: f.newsletter.environment)
        #expect(second.status == 75, "\(second.stderr)")
        #expect(second.stderr.split(separator: "\n").count == 1, "\(second.stderr)")
        #expect(second.stderr.contains("job serve is already running: pid \(first.pid) on "), "\(second.stderr)")
        let poll = try f.run(["poll", "--once"])
        #expect(poll.status == 75, "\(poll.stderr)")
        #expect(poll.stderr.contains("is already running: pid \(first.pid)"), "\(poll.stderr)")
        #expect(first.process.isRunning)
        let r = first.terminate()
        #expect(r.status == 0, "\(r.stderr)")
        // Released on the way out: the next serve starts at once.
        let again = try f.serve()
        #expect(again.waitUntilServing(), "\(again.stderrSoFar)")
        #expect(again.terminate().status == 0)
    }

    /// An edition whose `newsletter send` was killed (SIGKILL) mid-way is resumed by serve: everybody gets it, at most
    /// one resend per connection.
    @Test func resumesAnEditionLeftUnfinished() throws {
        try LocalServers.requireIMAP()
        let server = try TestSMTPServer()
        defer { server.stop() }
        let connections = 2
        let f = try ServeFixture(smtpURL: server.url, rate: 100, connections: connections)
        let subs = try f.newsletter.subscribe(200, domain: "resume.example")
        let edition = try f.newsletter.edition(id: "e-serve-resume")
        let send = try BackgroundVigie(
            ["newsletter", "send", "--quiet", edition], config: f.config,
            environment: f.newsletter.environment)
        _ = eventually(timeout: 20, every: 0.005) { server.messages.count >= 30 }
        #expect(send.process.isRunning, "the send finished before the kill: the test proved nothing")
        kill(send.pid, SIGKILL)
        _ = send.wait()
        let before = try #require(try f.store().editionStatus("e-serve-resume"))
        #expect(!before.isFinished)

        let serve = try f.serve()
        #expect(
            try eventually(timeout: 60, every: 0.05) {
                try f.store().editionStatus("e-serve-resume")?.sent == subs.count
            }, "\(serve.stderrSoFar)")
        let r = serve.terminate()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("edition e-serve-resume: resuming"), "\(r.stderr)")
        let counts = recipientCounts(server.messages.flatMap(\.recipients))
        #expect(Set(counts.keys) == Set(subs), "somebody was skipped")
        #expect(counts.values.reduce(0) { $0 + ($1 - 1) } <= connections)
        #expect(try f.store().unfinishedEditions().isEmpty, "the edition was not marked complete")
    }

    /// A scheduled edition goes out at its time (not before), once; an edition unscheduled before its time never goes;
    /// one being or already sent cannot be unscheduled.
    @Test func scheduledEditionIsSentAtItsTimeAndUnscheduleWorks() throws {
        try LocalServers.requireIMAP()
        try LocalServers.requireSMTPSinkDump()
        let f = try ServeFixture()
        let domain = "sched-\(UUID().uuidString.prefix(8).lowercased()).example"
        let subs = try f.newsletter.subscribe(5, domain: domain)
        let due = try f.newsletter.edition(id: "e-sched-due")
        let later = try f.newsletter.edition(id: "e-sched-later")
        let at = Date().addingTimeInterval(2)
        let iso = ISO8601DateFormatter()
        let s1 = try f.run(["newsletter", "schedule", due, "--at", iso.string(from: at)])
        #expect(s1.status == 0, "\(s1.stderr)")
        #expect(s1.stdout.contains("edition e-sched-due scheduled (#"), "\(s1.stdout)")
        let twice = try f.run(["newsletter", "schedule", due, "--at", iso.string(from: at)])
        #expect(twice.status == 1 && twice.stderr.contains("already scheduled"), "\(twice.stderr)")
        let s2 = try f.run(["newsletter", "schedule", later, "--at", iso.string(from: at.addingTimeInterval(1))])
        #expect(s2.status == 0, "\(s2.stderr)")
        let bad = try f.run(["newsletter", "schedule", later, "--at", "demain matin"])
        #expect(bad.status != 0 && bad.stderr.contains("--at"), "\(bad.stderr)")

        let listed = try f.run(["newsletter", "scheduled", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 2)
        let laterID = try #require(rows.first { $0["edition"] as? String == "e-sched-later" }?["id"] as? Int)
        let dueID = try #require(rows.first { $0["edition"] as? String == "e-sched-due" }?["id"] as? Int)
        let un = try f.run(["newsletter", "unschedule", String(laterID)])
        #expect(un.status == 0, "\(un.stderr)")

        let serve = try f.serve()
        var dumps: [SinkDump] = []
        #expect(
            try eventually(timeout: 30, every: 0.05) {
                dumps = SinkDump.read(LocalServers.sinkDir, domain: domain)
                return dumps.count >= subs.count
            }, "\(serve.stderrSoFar)")
        #expect(
            try eventually(timeout: 10) {
                try f.run(["newsletter", "scheduled"]).stdout.contains("sent       e-sched-due")
            })
        let r = serve.terminate()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Set(dumps.flatMap(\.recipients)) == Set(subs))
        #expect(dumps.count == subs.count, "somebody got it twice")
        #expect(dumps.allSatisfy { $0.message.contains("Subject: ") })
        let after = try f.run(["newsletter", "scheduled", "--json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 1, "the unscheduled edition is still listed")
        let started = try #require((entries.first?["started_at"] as? String).flatMap { iso.date(from: $0) })
        #expect(started >= at.addingTimeInterval(-1), "sent before its time")
        #expect(try f.store().editionStatus("e-sched-later") == nil, "an unscheduled edition was sent")
        let late = try f.run(["newsletter", "unschedule", String(dueID)])
        #expect(late.status == 1 && late.stderr.contains("already sent"), "\(late.stderr)")
    }

    /// `newsletter test` sends a proof marked [TEST] to each editor, records no delivery, and stops with one line on a
    /// relay fault.
    @Test func proofReachesTheEditorsWithoutDeliveryRows() throws {
        try LocalServers.requireSMTPSinkDump()
        let f = try ServeFixture()
        let domain = "proof-\(UUID().uuidString.prefix(8).lowercased()).example"
        _ = try f.newsletter.subscribe(3, domain: "subscribers-\(domain)")
        let edition = try f.newsletter.edition(id: "e-proof")
        let r = try f.run(["newsletter", "test", edition, "--to", "redac1@\(domain)", "redac2@\(domain)"])
        #expect(r.status == 0, "\(r.stderr)")
        var dumps: [SinkDump] = []
        #expect(
            try eventually(timeout: 20) {
                dumps = SinkDump.read(LocalServers.sinkDir, domain: domain)
                return dumps.count >= 2
            })
        #expect(Set(dumps.flatMap(\.recipients)) == ["redac1@\(domain)", "redac2@\(domain)"])
        #expect(
            dumps.allSatisfy { $0.message.contains("Subject: [TEST] ") }, "\(dumps.first?.message.prefix(600) ?? "")")
        #expect(try f.store().editionStatus("e-proof") == nil, "the proof created deliveries")
        #expect(SinkDump.read(LocalServers.sinkDir, domain: "subscribers-\(domain)").isEmpty)

        try f.newsletter.writeQueue(smtpURL: "smtp://127.0.0.1:\(LocalServers.closedPort())")
        let fault = try f.run(["newsletter", "test", edition, "--to", "redac1@\(domain)"])
        #expect(fault.status == 1)
        #expect(fault.stderr.split(separator: "\n").count == 1, "\(fault.stderr)")
        #expect(fault.stderr.contains("127.0.0.1"), "\(fault.stderr)")
    }
}

extension ServeFixture {
    var sink: String { "smtp://127.0.0.1:\(LocalServers.smtpPort)" }

    /// Enables the acknowledgements queue, through smtp-sink.
    func enableAcknowledgements() throws {
        try """
        kind = "acknowledgements"
        enabled = true
        from = "Signalements <signalements@example.org>"
        min_interval_hours = 0
        notify_outcome = true
        smtp_url = "\(sink)"
        """.write(toFile: dir + "/queues/acknowledgements.toml", atomically: true, encoding: .utf8)
    }

    /// Enables the digest queue for `to`, through smtp-sink.
    func enableDigest(to: String, schedule: String?, alertReporters: Int = 0) throws {
        try """
        kind = "digest"
        enabled = true
        to = ["\(to)"]
        timezone = "Etc/UTC"
        \(schedule.map { "schedule = \"\($0)\"" } ?? "")
        alert_reporters = \(alertReporters)
        alert_window_hours = 24
        from = "Vigie <vigie@example.org>"
        smtp_url = "\(sink)"
        """.write(toFile: dir + "/queues/digest.toml", atomically: true, encoding: .utf8)
    }
}

/// serve with the outbox: acknowledgements, outcome notices, the scheduled digest and alerts, end to end.
@Suite(.serialized) struct CLIServeOutboxTests {
    static func domain(_ tag: String) -> String { "\(tag)-\(UUID().uuidString.prefix(8).lowercased()).example" }

    /// A report delivered while serve runs has its acknowledgement at the sink within 10 s (IDLE; the poll interval is
    /// 300 s); automatic mail (auto-reply, bulk, a mailer daemon) gets none.
    @Test func acknowledgementReachesTheSinkWithinTenSecondsAndAutomaticMailGetsNone() throws {
        try LocalServers.requireIMAP()
        try LocalServers.requireSMTPSinkDump()
        let f = try ServeFixture()
        try f.enableAcknowledgements()
        let d = Self.domain("ack")
        let serve = try f.serve()
        #expect(serve.waitUntilServing(), "\(serve.stderrSoFar)")
        try LocalServers.deliver(
            [
                reportMail(1, from: "robot@\(d)", extraHeaders: "Auto-Submitted: auto-replied\r\n"),
                reportMail(2, from: "lettre@\(d)", extraHeaders: "Precedence: bulk\r\n"),
                reportMail(3, from: "MAILER-DAEMON@\(d)"),
            ], to: f.user)
        let delivered = Date()
        try LocalServers.deliver([reportMail(4, from: "citoyenne@\(d)")], to: f.user)
        var dumps: [SinkDump] = []
        let arrived = eventually(timeout: 10, every: 0.02) {
            dumps = SinkDump.read(LocalServers.sinkDir, domain: d)
            return !dumps.isEmpty
        }
        #expect(arrived, "no acknowledgement within 10 s of delivery: \(serve.stderrSoFar)")
        let latency = Date().timeIntervalSince(delivered)
        #expect(try f.reportCount() == 4)
        let r = serve.terminate()
        #expect(r.status == 0, "\(r.stderr)")
        dumps = SinkDump.read(LocalServers.sinkDir, domain: d)
        #expect(dumps.flatMap(\.recipients) == ["citoyenne@\(d)"], "automatic mail was answered")
        #expect(dumps.first?.message.contains("Auto-Submitted: auto-replied") == true)
        #expect(dumps.first?.mailFrom == "", "the acknowledgement's envelope sender is not the null sender")
        for line in r.stderr.split(separator: "\n") where line.contains("\"level\":\"info\"") {
            #expect(!line.contains("@\(d)"), "an address at info: \(line)")
        }
        print("delivery → acknowledgement at the sink: \(String(format: "%.3f", latency)) s")
    }

    /// The scheduled digest is sent once for its period, though serve is stopped and started again within the day
    /// (the scheduler's clock set past the schedule with the test-only --test-clock-offset).
    @Test func scheduledDigestExactlyOnceAcrossARestart() throws {
        try LocalServers.requireIMAP()
        try LocalServers.requireSMTPSinkDump()
        let f = try ServeFixture()
        try f.enableAcknowledgements()
        let d = Self.domain("digest")
        // Two minutes from now (UTC): only the shifted clock makes it due.
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let at = cal.dateComponents([.hour, .minute], from: Date().addingTimeInterval(120))
        try f.enableDigest(to: "moderation@\(d)", schedule: String(format: "%02d:%02d", at.hour!, at.minute!))
        try LocalServers.deliver([reportMail(1, from: "alice@\(d)")], to: f.user)

        let first = try f.serve(["--test-clock-offset", "240"])
        var digests: [SinkDump] = []
        #expect(
            eventually(timeout: 30, every: 0.05) {
                digests = SinkDump.read(LocalServers.sinkDir, domain: d).filter { $0.recipients == ["moderation@\(d)"] }
                return !digests.isEmpty
            }, "\(first.stderrSoFar)")
        #expect(first.terminate().status == 0)

        let second = try f.serve(["--test-clock-offset", "300"])
        #expect(second.waitUntilServing(), "\(second.stderrSoFar)")
        // A report acknowledged by the second serve: its scheduler ticked meanwhile (every second, started first).
        try LocalServers.deliver([reportMail(2, from: "bruno@\(d)")], to: f.user)
        #expect(
            eventually(timeout: 30, every: 0.05) {
                SinkDump.read(LocalServers.sinkDir, domain: d).contains { $0.recipients == ["bruno@\(d)"] }
            })
        let r = second.terminate()
        #expect(r.status == 0, "\(r.stderr)")
        digests = SinkDump.read(LocalServers.sinkDir, domain: d).filter { $0.recipients == ["moderation@\(d)"] }
        #expect(digests.count == 1, "the digest was sent \(digests.count) times")
        #expect(!(digests.first?.message.contains("alice@\(d)") ?? true), "a reporter's address in the digest")
    }

    /// A cluster reaching alert_reporters distinct reporters alerts the moderators once; a further reporter adds none.
    @Test func alertAtTheThresholdOnce() throws {
        try LocalServers.requireIMAP()
        try LocalServers.requireSMTPSinkDump()
        let f = try ServeFixture()
        try f.enableAcknowledgements()
        let d = Self.domain("alert")
        try f.enableDigest(to: "moderation@\(d)", schedule: nil, alertReporters: 2)
        let url = "https://x.com/troll/status/17911\(Int.random(in: 100_000...999_999))"
        let serve = try f.serve()
        #expect(serve.waitUntilServing(), "\(serve.stderrSoFar)")
        try LocalServers.deliver([reportMail(1, from: "alice@\(d)", url: url)], to: f.user)
        try LocalServers.deliver([reportMail(2, from: "bruno@\(d)", url: url)], to: f.user)
        #expect(
            eventually(timeout: 30, every: 0.05) {
                SinkDump.read(LocalServers.sinkDir, domain: d).contains { $0.recipients == ["moderation@\(d)"] }
            }, "\(serve.stderrSoFar)")
        try LocalServers.deliver([reportMail(3, from: "chloe@\(d)", url: url)], to: f.user)
        #expect(
            eventually(timeout: 30, every: 0.05) {
                SinkDump.read(LocalServers.sinkDir, domain: d).contains { $0.recipients == ["chloe@\(d)"] }
            })
        let r = serve.terminate()
        #expect(r.status == 0, "\(r.stderr)")
        let alerts = SinkDump.read(LocalServers.sinkDir, domain: d).filter { $0.recipients == ["moderation@\(d)"] }
        #expect(alerts.count == 1, "\(alerts.count) alerts")
        #expect(!(alerts.first?.message.contains("alice@\(d)") ?? true))
    }

    /// `clusters mark ID removed` beside serve: each citizen who reported the cluster gets the outcome notice.
    @Test func outcomeNoticeAfterMarkRemoved() throws {
        try LocalServers.requireIMAP()
        try LocalServers.requireSMTPSinkDump()
        let f = try ServeFixture()
        try f.enableAcknowledgements()
        let d = Self.domain("outcome")
        let url = "https://x.com/troll/status/17922\(Int.random(in: 100_000...999_999))"
        let serve = try f.serve()
        #expect(serve.waitUntilServing(), "\(serve.stderrSoFar)")
        try LocalServers.deliver(
            [reportMail(1, from: "alice@\(d)", url: url), reportMail(2, from: "bruno@\(d)", url: url)],
            to: f.user)
        #expect(
            eventually(timeout: 30, every: 0.05) { SinkDump.read(LocalServers.sinkDir, domain: d).count >= 2 },
            "\(serve.stderrSoFar)")
        let cluster = try #require(try f.store().clusters().first { $0.reports == 2 })
        let cid = String(cluster.id)
        #expect(try f.run(["clusters", "qualify", cid, "provocation-haine-raciale", "--by", "m"]).status == 0)
        #expect(try f.run(["clusters", "mark", cid, "notified", "--by", "m"]).status == 0)
        let removed = try f.run(["clusters", "mark", cid, "removed", "--by", "m"])
        #expect(removed.status == 0, "\(removed.stderr)")
        var dumps: [SinkDump] = []
        #expect(
            eventually(timeout: 30, every: 0.05) {
                dumps = SinkDump.read(LocalServers.sinkDir, domain: d)
                return dumps.count >= 4
            }, "\(serve.stderrSoFar)")
        let r = serve.terminate()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(recipientCounts(dumps.flatMap(\.recipients)) == ["alice@\(d)": 2, "bruno@\(d)": 2])
        // The notices are auto-generated; the acknowledgements auto-replied.
        let notices = dumps.filter { $0.message.contains("\r\nAuto-Submitted: auto-generated\r\n") }
        #expect(Set(notices.flatMap(\.recipients)) == ["alice@\(d)", "bruno@\(d)"], "no outcome notice")
    }
}
