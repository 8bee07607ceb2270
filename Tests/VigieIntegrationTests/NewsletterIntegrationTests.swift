import Foundation
import Testing
import VigieCore
import VigieStore

@Suite(.serialized) struct NewsletterIntegrationTests {
    /// Every subscriber exactly once through Postfix's smtp-sink, with the headers the issue lists.
    @Test func sendsEverySubscriberExactlyOnceThroughSmtpSink() throws {
        try LocalServers.requireSMTPSinkDump()
        let domain = "nl-\(UUID().uuidString.prefix(8).lowercased()).example"
        let f = try NewsletterFixture(smtpURL: "smtp://127.0.0.1:\(LocalServers.smtpPort)", connections: 4)
        let subs = try f.subscribe(120, domain: domain)
        let edition = try f.edition(id: "2026-11-21")
        let send = try f.run(["newsletter", "send", edition])
        #expect(send.status == 0, "\(send.stderr)")
        #expect(send.stdout.contains("sent 120"))

        // Resending the same edition sends nobody again.
        let again = try f.run(["newsletter", "send", edition])
        #expect(again.status == 0)
        // smtp-sink writes its dumps after replying.
        #expect(eventually { SinkDump.read(LocalServers.sinkDir, domain: domain).count >= 120 })
        let dumps = SinkDump.read(LocalServers.sinkDir, domain: domain)
        #expect(dumps.count == 120)
        var seen: [String: Int] = [:]
        var messageIDs = Set<String>()
        for d in dumps {
            #expect(d.recipients.count == 1)
            for r in d.recipients { seen[r, default: 0] += 1 }
            #expect(d.mailFrom.hasPrefix("bounces+") && d.mailFrom.hasSuffix("@example.org"), "\(d.mailFrom)")
            let head = (d.message.components(separatedBy: "\r\n\r\n").first ?? "")
                .replacingOccurrences(of: "\r\n ", with: " ")
            for h in [
                "From: La lettre <newsletter@example.org>", "To: ", "Subject: La lettre du 21 novembre", "Date: ",
                "Message-ID: <", "MIME-Version: 1.0",
                "List-Id: La lettre <lettre.example.org>", "List-Unsubscribe: <https://www.example.org/u/",
                ">, <mailto:desinscription@example.org?subject=unsubscribe-",
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "Precedence: bulk",
                "Content-Type: multipart/alternative",
            ] {
                #expect(head.contains(h), "missing \(h)")
            }
            if let mid = head.components(separatedBy: "Message-ID: <").last?.components(separatedBy: ">").first {
                messageIDs.insert(mid)
            }
            #expect(d.message.contains("Content-Transfer-Encoding: quoted-printable"))
            #expect(d.message.utf8.split(separator: 0x0A).allSatisfy { $0.count <= 999 })
            let bodies = MIMEPreview.bodies(of: Array(d.message.utf8))
            #expect(bodies.text.contains("Se désabonner en un clic : https://www.example.org/u/"))
            #expect(bodies.html.contains("Se désabonner en un clic"))
            #expect(bodies.text.contains("REVUE DE PRESSE"))
            #expect(bodies.text.contains("Bonjour Abonné·e"))
        }
        #expect(messageIDs.count == 120)
        #expect(Set(seen.keys) == Set(subs))
        #expect(seen.values.allSatisfy { $0 == 1 })

        let status = try f.run(["newsletter", "status", "2026-11-21", "--json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(obj["total"] as? Int == 120)
        #expect(obj["sent"] as? Int == 120)
        #expect(obj["pending"] as? Int == 0)
    }

    /// 451 is retried and delivered; 550 fails and is recorded with the server's reply.
    @Test func temporaryFailuresAreRetriedPermanentOnesRecorded() throws {
        let server = try TestSMTPServer(scripts: [
            "s1@retry.example": [.reply(.rcpt, 451, "4.7.1 Greylisted, try again later"), .accept],
            "s2@retry.example": [
                .reply(.endOfData, 452, "4.3.1 Insufficient storage"),
                .reply(.rcpt, 451, "4.7.1 again"), .accept,
            ],
            "s3@retry.example": [.reply(.rcpt, 550, "5.1.1 <s3@retry.example>: Recipient address rejected")],
        ])
        defer { server.stop() }
        let f = try NewsletterFixture(smtpURL: server.url, connections: 2, retryBase: 0.2, maxAttempts: 5)
        _ = try f.subscribe(6, domain: "retry.example")
        let send = try f.run(["newsletter", "send", try f.edition(id: "e-retry")])
        #expect(send.status == 0, "\(send.stderr)")
        let status = try f.run(["newsletter", "status", "e-retry", "--json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(obj["sent"] as? Int == 5)
        #expect(obj["failed"] as? Int == 1)
        #expect(obj["deferred"] as? Int == 0)
        let received = server.messages.flatMap(\.recipients)
        #expect(received.filter { $0 == "s1@retry.example" }.count == 1)
        #expect(received.filter { $0 == "s2@retry.example" }.count == 1)
        #expect(!received.contains("s3@retry.example"))
        let failures = try f.run(["newsletter", "failures", "e-retry"])
        #expect(failures.stdout.contains("s3@retry.example"))
        #expect(failures.stdout.contains("550"))
        #expect(failures.stdout.contains("Recipient address rejected"))
        // retry requeues it (still active), and it fails again for the same reason.
        #expect(try f.run(["newsletter", "retry", "e-retry"]).stdout.contains("requeued 1"))
    }

    /// kill -9 in the middle of a send, then resume: nobody skipped, duplicates at most `connections`.
    @Test func killNineMidSendThenResume() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let connections = 3
        let f = try NewsletterFixture(smtpURL: server.url, rate: 150, connections: connections)
        let subs = try f.subscribe(400, domain: "kill.example")
        let edition = try f.edition(id: "e-kill")
        let p = try VigieCLI.start(["newsletter", "send", edition], config: f.config, environment: f.environment)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        _ = eventually(timeout: 20, every: 0.005) { server.messages.count >= 120 }
        #expect(p.isRunning, "the send finished before the kill: the test proved nothing")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let beforeResume = server.messages.count
        #expect(beforeResume < 400)

        let resume = try f.run(["newsletter", "send", edition])
        #expect(resume.status == 0, "\(resume.stderr)")
        var count: [String: Int] = [:]
        for m in server.messages { for r in m.recipients { count[r, default: 0] += 1 } }
        #expect(Set(count.keys) == Set(subs), "somebody was skipped")
        let duplicates = count.values.reduce(0) { $0 + ($1 - 1) }
        #expect(duplicates <= connections, "\(duplicates) duplicates for \(connections) connections")
        let status = try f.run(["newsletter", "status", "e-kill", "--json"])
        #expect(status.stdout.contains("\"sent\" : 400"))
    }

    /// SIGTERM finishes the messages in flight, records them, and exits asking for a resume; the resume completes.
    @Test func sigtermStopsCleanlyAndResumeCompletes() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let f = try NewsletterFixture(smtpURL: server.url, rate: 100, connections: 2)
        _ = try f.subscribe(300, domain: "term.example")
        let edition = try f.edition(id: "e-term")
        let p = try VigieCLI.start(["newsletter", "send", edition], config: f.config, environment: f.environment)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        _ = eventually(timeout: 20, every: 0.005) { server.messages.count >= 50 }
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 143)  // 128 + SIGTERM
        let store = try Store(path: f.dir + "/var/vigie.sqlite")
        let status = try #require(try store.editionStatus("e-term"))
        // Every message the server accepted is recorded as sent: nothing is left in flight after a clean stop.
        #expect(status.sent == server.messages.count)
        #expect(status.pending > 0)
        #expect(try store.leaseHolder(job: "newsletter:e-term") == nil, "SIGTERM left the edition's lease held")
        #expect(try f.run(["newsletter", "send", edition]).status == 0)
        var count: [String: Int] = [:]
        for m in server.messages { for r in m.recipients { count[r, default: 0] += 1 } }
        #expect(count.count == 300)
        #expect(count.values.allSatisfy { $0 == 1 }, "a clean stop must not cause any duplicate")
    }

    /// The rate limit holds in every one-second window, and the whole send takes as long as the rate implies.
    @Test func rateLimitHoldsInEverySecond() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let rate = 20.0
        let f = try NewsletterFixture(smtpURL: server.url, rate: rate, connections: 4)
        _ = try f.subscribe(60, domain: "rate.example")
        let start = Date()
        let send = try f.run(["newsletter", "send", try f.edition(id: "e-rate")])
        let elapsed = Date().timeIntervalSince(start)
        #expect(send.status == 0, "\(send.stderr)")
        let times = server.messages.map(\.receivedAt).sorted()
        #expect(times.count == 60)
        var maxInWindow = 0
        for (i, t) in times.enumerated() {
            let n = times[i...].prefix { $0.timeIntervalSince(t) < 1.0 }.count
            maxInWindow = max(maxInWindow, n)
        }
        // The pacer keeps every one-second window at the sender to the rate (TokenBucketTests check it with a manual
        // clock). At the relay a window holds what was sent in it plus what the scheduler delayed from the window
        // before: on a loaded machine (CI, load 10) a delay of up to 100 ms moves up to two messages at 20/s, so two
        // extra are tolerated here. Unpaced sending would put all 60 in one second; a burst of 4 would show 23.
        #expect(maxInWindow <= Int(rate) + 2, "\(maxInWindow) messages in one second at \(rate)/s")
        // Over the whole run the relay never sees more than the rate.
        if let first = times.first, let last = times.last {
            #expect(Double(times.count - 1) / last.timeIntervalSince(first) <= rate)
        }
        // 60 messages at 20/s cannot take less than ~2.95 s of pacing.
        #expect(elapsed >= 2.9)
    }

    @Test func importValidatesRowsAndNeverResubscribes() throws {
        let f = try NewsletterFixture(smtpURL: "smtp://127.0.0.1:1")
        let csv =
            [
                "email,name,language",
                #"anne@exemple.fr,"Anne, dite ""la Rouge""",fr"#,
                "ANNE@Exemple.FR,Anne,fr",
                "pas-une-adresse,Bob,fr",
                "carl@exemple..fr,Carl,fr",
                #""dora@exemple.fr",Dora,xx-123456789"#,
                "eve@exemple.fr,Ève,en",
            ].joined(separator: "\r\n") + "\r\n"
        try csv.write(toFile: f.dir + "/s.csv", atomically: true, encoding: .utf8)
        let r = try f.run(["subscribers", "import", f.dir + "/s.csv"])
        #expect(r.status == 2)  // partial: rows 4–6 rejected, the others imported
        #expect(r.stdout.contains("imported 2"))
        #expect(r.stderr.contains("line 4"))
        #expect(r.stderr.contains("line 5"))
        #expect(r.stderr.contains("line 6"))
        #expect(try f.run(["subscribers", "unsubscribe", "eve@exemple.fr"]).status == 0)
        let again = try f.run(["subscribers", "import", f.dir + "/s.csv"])
        #expect(again.stdout.contains("imported 0"))
        let count = try f.run(["subscribers", "count", "--json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(count.stdout.utf8)) as? [String: Int])
        #expect(obj == ["active": 1, "unsubscribed": 1, "bounced": 0])
        let show = try f.run(["subscribers", "show", "anne@exemple.fr"])
        #expect(show.stdout.contains("Anne, dite \"la Rouge\""))
        let export = try f.run(["subscribers", "export"])
        #expect(export.stdout.contains("\"Anne, dite \"\"la Rouge\"\"\""))
        let badHeader = f.dir + "/bad.csv"
        try "mail,nom\r\nx@y.fr,X\r\n".write(toFile: badHeader, atomically: true, encoding: .utf8)
        let bad = try f.run(["subscribers", "import", badHeader])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("email"))
    }

    @Test func oneClickTokenUnsubscribesOnlyItsSubscriber() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let f = try NewsletterFixture(smtpURL: server.url)
        _ = try f.subscribe(3, domain: "token.example")
        #expect(try f.run(["newsletter", "send", try f.edition(id: "e-token")]).status == 0)
        let m = try #require(server.messages.first { $0.recipients == ["s1@token.example"] })
        let text = String(decoding: m.data, as: UTF8.self)
        let token = try #require(
            text.components(separatedBy: "subject=unsubscribe-").dropFirst().first?
                .prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(m.mailFrom == "bounces+\(token)@example.org")
        let forged = try f.run(["newsletter", "unsubscribe", String(token.dropLast()) + "0"])
        #expect(forged.status != 0)
        let ok = try f.run(["newsletter", "unsubscribe", String(token)])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("s1@token.example"))
        let c = try f.run(["subscribers", "count", "--json"])
        #expect(c.stdout.contains("\"unsubscribed\" : 1"))
    }
}

@Suite struct EditorialLinkCheckTests {
    /// Dead links are the ones that do not answer and the ones that answer with an HTTP error.
    @Test func deadLinksAreReported() throws {
        let server = try TestHTTPServer { request in
            switch request.path {
            case "/ok": return .ok("page")
            case "/moved": return .redirect(301, to: "/gone")
            default: return TestHTTPServer.Response(status: 404)
            }
        }
        defer { server.stop() }
        let f = try NewsletterFixture(smtpURL: "smtp://127.0.0.1:1")
        let base = "http://127.0.0.1:\(server.port)"
        let closed = "http://127.0.0.1:\(LocalServers.closedPort())/x"
        let edition = """
            id = "e-links"
            subject = "s"
            date = 2026-11-21
            [[news]]
            kind = "communiqué"
            title = "ok"
            url = "\(base)/ok"
            [[news]]
            kind = "opinion"
            title = "moved"
            url = "\(base)/moved"
            [[press]]
            title = "missing"
            source = "A"
            url = "\(base)/missing"
            language = "en"
            [[press]]
            title = "unreachable"
            source = "B"
            url = "\(closed)"
            language = "fr"
            """
        try edition.write(toFile: f.dir + "/links.toml", atomically: true, encoding: .utf8)
        let r = try f.run(["newsletter", "check", f.dir + "/links.toml"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("dead link: \(base)/ok "))
        #expect(r.stdout.contains("dead link: \(base)/moved (HTTP 404 at \(base)/gone)"))
        #expect(r.stdout.contains("dead link: \(base)/missing (HTTP 404)"))
        #expect(r.stdout.contains("dead link: \(closed)"))
    }
}
