import Foundation
import Testing
import VigieCore

@testable import VigieStore

/// Notices mailed to platforms and their replies, end to end: real Dovecot, `vigie poll --once`, `clusters notify
/// --send`, `outbox send`, what reaches smtp-sink, and the replies matched back through Dovecot.
@Suite(.serialized) struct CLITakedownTests {
    static let tweet = "https://x.com/troll/status/1790000000000000042"
    /// A PNG's first bytes and more: what the citizen attached, byte for byte.
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<600).map { UInt8($0 % 251) }

    struct Setup {
        var config: String
        var dir: String
        /// The platform's notice address lives in this domain, so the sink's dumps of this test are its own.
        var domain: String
        var user: String
        var store: Store
    }

    /// A config whose reports queue reads a fresh Dovecot user, with the notices queue enabled (to smtp-sink) and
    /// X's notice_email set.
    static func setup() throws -> Setup {
        try LocalServers.requireIMAP()
        try LocalServers.requireSMTPSinkDump()
        let user = LocalServers.uniqueUser()
        let config = try VigieCLI.initConfig(user: user)
        let dir = (config as NSString).deletingLastPathComponent
        let domain = "platform-\(UUID().uuidString.prefix(8).lowercased()).example"
        try """
        kind = "notices"
        enabled = true
        from = "Signalements <signalements@example.org>"
        reply_to = "reponses@example.org"
        smtp_url = "smtp://127.0.0.1:\(LocalServers.smtpPort)"
        """.write(toFile: dir + "/queues/notices.toml", atomically: true, encoding: .utf8)
        let platforms = try String(contentsOfFile: dir + "/platforms.toml", encoding: .utf8)
            .replacingOccurrences(of: "# notice_email = \"dsa@x.example\"", with: "notice_email = \"dsa@\(domain)\"")
        try platforms.write(toFile: dir + "/platforms.toml", atomically: true, encoding: .utf8)
        return Setup(
            config: config, dir: dir, domain: domain, user: user,
            store: try Store(path: dir + "/var/vigie.sqlite"))
    }

    /// A citizen's report of `url` with a screenshot whose file name carries the citizen's name.
    static func report(from: String, name: String, url: String, id: String) -> [UInt8] {
        let b64 = Data(png).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn])
        return Array(
            """
            From: \(name) <\(from)>\r
            To: signalements@example.org\r
            Subject: Contenu haineux\r
            Date: Wed, 02 Dec 2026 10:00:00 +0100\r
            Message-ID: <\(id)>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="b1"\r
            \r
            --b1\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            Bonjour, je vous signale ce contenu : \(url)\r
            \(name)\r
            --b1\r
            Content-Type: image/png; name="\(name) capture.png"\r
            Content-Disposition: attachment; filename="\(name) capture.png"\r
            Content-Transfer-Encoding: base64\r
            \r
            \(b64)\r
            --b1--\r
            """.utf8)
    }

    /// Ingests one report of the tweet (and one of a web page), qualifies the tweet's cluster; returns its id.
    static func qualifiedTweet(_ s: Setup) throws -> (tweet: Int64, web: Int64) {
        try LocalServers.deliver(
            [
                report(
                    from: "alice.martin@citizens.example", name: "Alice Martin", url: tweet,
                    id: UUID().uuidString + "@c"),
                report(
                    from: "bruno@citizens.example", name: "Bruno Petit", url: "https://haine.example/page",
                    id: UUID().uuidString + "@c"),
            ], to: s.user)
        let poll = try VigieCLI.run(["poll", "--once"], config: s.config)
        #expect(poll.status == 0, "\(poll.stderr)")
        let tweet = try #require(try s.store.clusters(platform: .x).first).id
        let web = try #require(try s.store.clusters(platform: .web).first).id
        for id in [tweet, web] {
            let q = try VigieCLI.run(
                ["clusters", "qualify", String(id), "provocation-haine-raciale", "--by", "alice"], config: s.config)
            #expect(q.status == 0, "\(q.stderr)")
        }
        return (tweet, web)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func notifySendsTheNoticeWithTheScreenshotsAndMarksTheCluster() throws {
        let s = try Self.setup()
        let (tweet, web) = try Self.qualifiedTweet(s)
        let id = String(tweet)

        let preview = try VigieCLI.run(["clusters", "notify", id], config: s.config)
        #expect(preview.status == 0, "\(preview.stderr)")
        #expect(preview.stdout.contains("À : dsa@\(s.domain)\n"))
        #expect(preview.stdout.contains("Pièces jointes : 1 capture d'écran"))
        #expect(try s.store.outboxCounts().isEmpty, "printing enqueues nothing")

        let sent = try VigieCLI.run(["clusters", "notify", id, "--send", "--by", "alice"], config: s.config)
        #expect(sent.status == 0, "\(sent.stderr)")
        let show = try Self.json(try VigieCLI.run(["clusters", "show", id, "--json"], config: s.config).stdout)
        #expect(show["status"] as? String == "notified")
        let notices = try #require(show["notices"] as? [[String: Any]])
        #expect(notices.count == 1)
        let messageID = try #require(notices.first?["message_id"] as? String)
        #expect(show["platform_ref"] as? String == messageID)
        #expect(show["notified_channel"] as? String == "email")
        #expect(sent.stdout.contains("<\(messageID)>"))

        // Sent once: a second --send is refused in one line; --again mails a reminder.
        let twice = try VigieCLI.run(["clusters", "notify", id, "--send"], config: s.config)
        #expect(twice.status != 0)
        #expect(twice.stderr.contains("already notified") && twice.stderr.contains("--again"), "\(twice.stderr)")
        #expect(twice.stderr.split(separator: "\n").count == 1)

        let out = try VigieCLI.run(["outbox", "send", "--queue", "notices"], config: s.config)
        #expect(out.status == 0, "\(out.stderr)")
        let dumps = CLIAcknowledgementTests.sinkDumps(domain: s.domain, count: 1)
        #expect(dumps.count == 1)
        let m = try #require(dumps.first)
        #expect(m.recipients == ["dsa@\(s.domain)"])
        #expect(m.mailFrom == "signalements@example.org")
        #expect(m.message.contains("Message-ID: <\(messageID)>"))
        #expect(m.message.contains("Reply-To: <reponses@example.org>"))
        #expect(m.message.contains("Subject: =?utf-8?") || m.message.contains("Subject: Notification"))
        #expect(m.message.contains("Content-Type: multipart/mixed"))
        #expect(m.message.contains("Content-Type: image/png"))
        #expect(m.message.contains("filename=\"capture-"))
        // The screenshot travels byte for byte, and no file name carries the citizen's name.
        let b64 = Data(Self.png).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn])
        #expect(
            m.message.replacingOccurrences(of: "\r\n", with: "\n").contains(
                b64.replacingOccurrences(of: "\r", with: "\n")))
        #expect(!m.message.contains("Martin"))
        #expect(!m.message.contains("alice.martin@"))
        #expect(m.message.contains("x.com/troll/status/1790000000000000042"))

        // A reminder answers the first notice; both are kept as mailed, in the evidence export too.
        let again = try VigieCLI.run(["clusters", "notify", id, "--send", "--again"], config: s.config)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try VigieCLI.run(["outbox", "send", "--queue", "notices"], config: s.config).status == 0)
        let reminder = try #require(
            CLIAcknowledgementTests.sinkDumps(domain: s.domain, count: 2).first { $0.message.contains("Relance : ") })
        #expect(reminder.message.contains("In-Reply-To: <\(messageID)>"))
        let folder = s.dir + "/evidence"
        let export = try VigieCLI.run(["clusters", "evidence", id, "--out", folder], config: s.config)
        #expect(export.status == 0, "\(export.stderr)")
        let firstNotice = try String(contentsOfFile: folder + "/notices/01-notice.eml", encoding: .utf8)
        #expect(firstNotice.contains("Message-ID: <\(messageID)>\r\n"))
        #expect(FileManager.default.fileExists(atPath: folder + "/notices/02-notice.eml"))
        let shot = try Data(contentsOf: URL(fileURLWithPath: folder + "/screenshots/capture-1-1.png"))
        #expect(shot == Data(Self.png))

        // A platform without notice_email: one line pointing at its form and at clusters mark; nothing changes.
        let form = try VigieCLI.run(["clusters", "notify", String(web), "--send"], config: s.config)
        #expect(form.status != 0)
        #expect(form.stderr.contains("https://www.internet-signalement.gouv.fr/"), "\(form.stderr)")
        #expect(form.stderr.contains("clusters mark \(web) notified"), "\(form.stderr)")
        #expect(form.stderr.split(separator: "\n").count == 1)
        #expect(
            try s.store.cluster(id: web, includeReporters: false, weights: PriorityWeights())?.summary.status
                == .qualified)
    }

    @Test func aPlatformReplyJoinsTheClusterThroughDovecotAndTheDigest() throws {
        let s = try Self.setup()
        let (tweet, _) = try Self.qualifiedTweet(s)
        let sent = try VigieCLI.run(["clusters", "notify", String(tweet), "--send"], config: s.config)
        #expect(sent.status == 0, "\(sent.stderr)")
        let messageID = try #require(try s.store.notices(clusterID: tweet).first?.messageID)

        // The replies mailbox: another Dovecot user, read by a queue with role platform-replies.
        let repliesUser = LocalServers.uniqueUser()
        try """
        kind = "intake"
        role = "platform-replies"
        url = "imap://127.0.0.1:\(LocalServers.imapPort)"
        user = "\(repliesUser)"
        password = "\(LocalServers.password)"
        """.write(toFile: s.dir + "/queues/replies.toml", atomically: true, encoding: .utf8)
        try """
        kind = "digest"
        enabled = true
        to = ["moderation@example.org"]
        smtp_url = "smtp://127.0.0.1:\(LocalServers.smtpPort)"
        """.write(toFile: s.dir + "/queues/digest.toml", atomically: true, encoding: .utf8)
        func mail(_ headers: String, subject: String, body: String) -> [UInt8] {
            Array(
                """
                From: Trust & Safety <dsa@\(s.domain)>\r
                To: reponses@example.org\r
                Subject: \(subject)\r
                Date: Wed, 02 Dec 2026 12:00:00 +0100\r
                Message-ID: <\(UUID().uuidString)@\(s.domain)>\r
                \(headers)Content-Type: text/plain; charset=utf-8\r
                \r
                \(body)\r
                """.utf8)
        }
        try LocalServers.deliver(
            [
                mail(
                    "In-Reply-To: <\(messageID)>\r\nReferences: <other@x> <\(messageID)>\r\n",
                    subject: "Re: Notification", body: "Nous avons retiré le contenu signalé. Réf. 8842."),
                mail("", subject: "Votre ticket 991", body: "Un message sans référence à une notification."),
            ], to: repliesUser)
        let poll = try VigieCLI.run(["poll", "--once"], config: s.config)
        #expect(poll.status == 0, "\(poll.stderr)")

        let show = try Self.json(
            try VigieCLI.run(["clusters", "show", String(tweet), "--json"], config: s.config).stdout)
        let replies = try #require(show["replies"] as? [[String: Any]])
        #expect(replies.count == 1)
        #expect(replies.first?["notice_message_id"] as? String == messageID)
        #expect((replies.first?["excerpt"] as? String)?.contains("Réf. 8842") == true)
        let text = try VigieCLI.run(["clusters", "show", String(tweet)], config: s.config)
        #expect(text.stdout.contains("Platform replies:"))

        // The reply naming no notice is kept and listed, not lost.
        let unmatched = try VigieCLI.run(["clusters", "replies", "--unmatched", "--json"], config: s.config)
        #expect(unmatched.status == 0, "\(unmatched.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(unmatched.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["subject"] as? String == "Votre ticket 991")
        #expect(rows.first?["cluster_id"] is NSNull)

        let digest = try VigieCLI.run(["digest", "send", "--dry-run"], config: s.config)
        #expect(digest.status == 0, "\(digest.stderr)")
        #expect(digest.stdout.contains("RÉPONSES DES PLATEFORMES (2, dont 1 sans correspondance)"), "\(digest.stdout)")
        #expect(digest.stdout.contains("n° \(tweet) ·"))
        #expect(
            digest.stdout.contains("sans correspondance · ")
                && digest.stdout.contains("…@\(s.domain) · Votre ticket 991"))
    }

    /// Under `vigie serve`: the notice enqueued by `notify --send` leaves through the notices queue's sender, and the
    /// reported page is fetched as evidence by serve's own job; SIGTERM stops both with 0.
    @Test func serveSendsTheNoticeAndKeepsTheEvidence() throws {
        let s = try Self.setup()
        let server = try TestHTTPServer { request in
            request.path == "/page"
                ? TestHTTPServer.Response(status: 200, headers: [("Content-Type", "text/html")], body: "<p>haine</p>")
                : TestHTTPServer.Response(status: 404)
        }
        defer { server.stop() }
        let platforms = try String(contentsOfFile: s.dir + "/platforms.toml", encoding: .utf8)
            .replacingOccurrences(
                of: "# notice_email = \"signalements@example.org\"", with: "notice_email = \"web@\(s.domain)\"")
        try platforms.write(toFile: s.dir + "/platforms.toml", atomically: true, encoding: .utf8)
        let toml = try String(contentsOfFile: s.config, encoding: .utf8).replacingOccurrences(
            of: "platforms = \"platforms.toml\"",
            with: "platforms = \"platforms.toml\"\nevidence_private_addresses = true")
        try toml.write(toFile: s.config, atomically: true, encoding: .utf8)
        let url = server.baseURL + "/page"
        try LocalServers.deliver(
            [
                Self.report(
                    from: "alice.martin@citizens.example", name: "Alice Martin", url: url, id: UUID().uuidString + "@c")
            ],
            to: s.user)
        #expect(try VigieCLI.run(["poll", "--once"], config: s.config).status == 0)
        let cluster = try #require(try s.store.clusters(platform: .web).first).id
        let q = try VigieCLI.run(["clusters", "qualify", String(cluster), "injure-raciale"], config: s.config)
        #expect(q.status == 0, "\(q.stderr)")
        let sent = try VigieCLI.run(["clusters", "notify", String(cluster), "--send"], config: s.config)
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(try s.store.evidence(clusterID: cluster).isEmpty, "poll fetches nothing itself")

        let serve = try BackgroundVigie(["serve"], config: s.config)
        #expect(serve.waitUntilServing(), "\(serve.stderrSoFar)")
        #expect(serve.stderrSoFar.contains("evidence"))
        let dumps = CLIAcknowledgementTests.sinkDumps(domain: s.domain, count: 1)
        #expect(dumps.map(\.recipients) == [["web@\(s.domain)"]])
        #expect(try eventually(timeout: 30) { try s.store.evidence(clusterID: cluster).count == 1 })
        #expect(try s.store.evidence(clusterID: cluster).first?.snapshot.body == Array("<p>haine</p>".utf8))
        #expect(try eventually(timeout: 30) { try s.store.notices(clusterID: cluster).first?.state == .sent })
        let r = serve.terminate()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("alice.martin@"), "no citizen address at info level")
    }

    /// A mistake in platforms.toml stops `config check` and `clusters notify --send` with one line naming the file,
    /// the platform and the key.
    @Test func aBrokenPlatformsFileIsOneLine() throws {
        let config = try VigieCLI.initConfig(user: "nobody")
        let dir = (config as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = try String(contentsOfFile: dir + "/platforms.toml", encoding: .utf8)
            .replacingOccurrences(of: "# notice_email = \"dsa@tiktok.example\"", with: "notice_email = \"tiktok\"")
        try text.write(toFile: dir + "/platforms.toml", atomically: true, encoding: .utf8)
        for command in [["config", "check"], ["clusters", "notify", "1", "--send"]] {
            let r = try VigieCLI.run(
                command, config: config, environment: ["VIGIE_NEWSLETTER_SECRET": "s3cret-0123456789"])
            #expect(r.status != 0, "\(command)")
            #expect(r.stderr.contains("platforms.toml") && r.stderr.contains("[tiktok] notice_email"), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
    }
}
