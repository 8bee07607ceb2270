import Foundation
import GRDB
import Testing
import VigieCore

@testable import VigieStore

/// Acknowledgements and outcome notices end to end: real Dovecot, `vigie poll --once`, `vigie clusters mark`, the
/// outbox rows they leave, and what reaches smtp-sink.
@Suite(.serialized) struct CLIAcknowledgementTests {
    static let tweet = "https://x.com/troll/status/1790000000000000001"

    /// A config reading `user`, with the acknowledgements queue enabled and sending to the local smtp-sink.
    static func config(user: String, minIntervalHours: Int = 24) throws -> (config: String, store: () throws -> Store) {
        let config = try VigieCLI.initConfig(user: user)
        let dir = (config as NSString).deletingLastPathComponent
        try """
        kind = "acknowledgements"
        enabled = true
        from = "Signalements <signalements@example.org>"
        min_interval_hours = \(minIntervalHours)
        notify_outcome = true
        smtp_url = "smtp://127.0.0.1:\(LocalServers.smtpPort)"
        """.write(toFile: dir + "/queues/acknowledgements.toml", atomically: true, encoding: .utf8)
        return (config, { try Store(path: dir + "/var/vigie.sqlite") })
    }

    struct Row: Equatable {
        var kind: String, key: String, recipient: String, envelopeFrom: String, state: String, reason: String?
        var message: String
    }

    static func outbox(_ store: Store) throws -> [Row] {
        try store.pool.read { db in
            try GRDB.Row.fetchAll(
                db,
                sql: """
                    SELECT kind, dedupe_key, recipient, envelope_from, state, last_reply, message FROM outbox ORDER BY id
                    """
            ).map {
                Row(
                    kind: $0["kind"], key: $0["dedupe_key"], recipient: $0["recipient"],
                    envelopeFrom: $0["envelope_from"], state: $0["state"], reason: $0["last_reply"],
                    message: String(decoding: $0["message"] as Data, as: UTF8.self))
            }
        }
    }

    /// Report ids by the sender's address, from the database.
    static func reportIDs(_ store: Store) throws -> [String: [Int64]] {
        try store.pool.read { db in
            var out: [String: [Int64]] = [:]
            for r in try GRDB.Row.fetchAll(
                db,
                sql: """
                    SELECT r.message_id, r.from_address FROM reports r ORDER BY r.message_id
                    """)
            {
                out[(r["from_address"] as String?) ?? "", default: []].append(r["message_id"])
            }
            return out
        }
    }

    static func mail(from: String, id: String, headers: String = "", body: String = tweet) -> [UInt8] {
        Array(
            """
            From: <\(from)>\r
            To: signalements@example.org\r
            Subject: Signalement\r
            Date: Wed, 02 Dec 2026 10:00:00 +0100\r
            Message-ID: <\(id)>\r
            MIME-Version: 1.0\r
            \(headers)Content-Type: text/plain; charset=utf-8\r
            \r
            Bonjour, je vous signale ce contenu : \(body)\r
            """.utf8)
    }

    @Test func eachCitizenReportGetsOneAcknowledgementAndAutomaticMailNone() throws {
        try LocalServers.requireIMAP()
        try LocalServers.requireSMTPSinkDump()
        let user = LocalServers.uniqueUser()
        let tag = UUID().uuidString
        let d = "c\(tag.prefix(8).lowercased()).exemple.fr"  // the citizens' domain, this test's own at the sink
        let dsn = Array(
            """
            From: Mail Delivery System <MAILER-DAEMON@mx.exemple.fr>\r
            To: signalements@example.org\r
            Subject: Undelivered Mail Returned to Sender\r
            Message-ID: <dsn-\(tag)@mx.exemple.fr>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r
            \r
            --b\r
            Content-Type: text/plain\r
            \r
            Your message could not be delivered: \(Self.tweet)\r
            --b\r
            Content-Type: message/delivery-status\r
            \r
            Reporting-MTA: dns; mx.exemple.fr\r
            \r
            Final-Recipient: rfc822; nobody@exemple.fr\r
            Action: failed\r
            Status: 5.1.1\r
            --b--\r
            """.utf8)
        try LocalServers.deliver(
            [
                Self.mail(from: "alice@\(d)", id: "a1-\(tag)@exemple.fr"),
                Self.mail(
                    from: "bruno@\(d)", id: "b1-\(tag)@exemple.fr",
                    headers: "Reply-To: <bruno.perso@\(d)>\r\n"),
                // Alice again within min_interval_hours: grouped, not answered.
                Self.mail(
                    from: "alice@\(d)", id: "a2-\(tag)@exemple.fr",
                    body: "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
                Self.mail(
                    from: "chloe@\(d)", id: "auto-\(tag)@exemple.fr", headers: "Auto-Submitted: auto-replied\r\n"),
                Self.mail(from: "lettre@\(d)", id: "bulk-\(tag)@exemple.fr", headers: "Precedence: bulk\r\n"),
                dsn,
                Self.mail(from: "noreply@service.exemple.fr", id: "noreply-\(tag)@exemple.fr"),
                Self.mail(from: "accueil@example.org", id: "own-\(tag)@example.org"),
            ], to: user)
        let (config, open) = try Self.config(user: user)
        let poll = try VigieCLI.run(["poll", "--once"], config: config)
        #expect(poll.status == 0, "\(poll.stderr)")
        for address in ["alice@", "bruno", "noreply@service", "accueil@"] {
            #expect(!(poll.stdout + poll.stderr).contains(address), "an address was logged at info: \(address)")
        }
        let store = try open()
        let ids = try Self.reportIDs(store)
        let alice = try #require(ids["alice@\(d)"])
        let bruno = try #require(ids["bruno@\(d)"]?.first)
        #expect(alice.count == 2)

        let rows = try Self.outbox(store)
        #expect(rows.map(\.key) == ["ack:report:\(alice[0])", "ack:report:\(bruno)", "ack:report:\(alice[1])"])
        #expect(rows.map(\.kind) == ["acknowledgement", "acknowledgement", "acknowledgement"])
        #expect(rows.map(\.recipient) == ["alice@\(d)", "bruno.perso@\(d)", "alice@\(d)"])
        #expect(rows.map(\.state) == ["sent", "sent", "skipped"])  // poll --once sends what is due
        #expect(rows.allSatisfy { $0.envelopeFrom == "" })
        let year = Calendar(identifier: .gregorian).component(.year, from: Date())
        let firstRef = ReportReference(year: year, id: alice[0]).description
        #expect(rows[2].reason?.hasPrefix("grouped: acknowledged \(firstRef) at ") == true, "\(rows[2].reason ?? "")")
        // The acknowledgement answers the report, as an auto-reply, and names its reference.
        let first = rows[0].message
        #expect(first.contains("\r\nIn-Reply-To: <a1-\(tag)@exemple.fr>\r\n"))
        #expect(first.contains("\r\nReferences: <a1-\(tag)@exemple.fr>\r\n"))
        #expect(first.contains("\r\nAuto-Submitted: auto-replied\r\n"))
        #expect(first.contains("\r\nTo: <alice@\(d)>\r\n"))
        let unfolded = first.replacingOccurrences(of: "\r\n ", with: " ")
        let subject = unfolded.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject: ") } ?? ""
        #expect(
            subject.hasPrefix("Subject: Votre signalement a bien =?UTF-8?") && subject.hasSuffix("(\(firstRef))"),
            "\(subject)")
        #expect(!first.contains("bruno"), "an acknowledgement named another reporter")
        #expect(rows[1].message.contains("\r\nIn-Reply-To: <b1-\(tag)@exemple.fr>\r\n"))

        // End to end: at smtp-sink once each, from the null sender, with the bytes enqueued.
        let dumps = Self.sinkDumps(domain: d, count: 2)
        #expect(dumps.map(\.recipients).sorted { $0[0] < $1[0] } == [["alice@\(d)"], ["bruno.perso@\(d)"]])
        for dump in dumps {
            #expect(dump.mailFrom.isEmpty, "envelope sender \(dump.mailFrom)")
            #expect(dump.message.contains("\r\nAuto-Submitted: auto-replied\r\n"))
            let row = try #require(rows.first { $0.recipient == dump.recipients[0] })
            #expect(dump.message.contains(row.message.components(separatedBy: "\r\n\r\n")[0]), "headers differ")
        }
        let alicesAck = try #require(dumps.first { $0.recipients == ["alice@\(d)"] })
        #expect(alicesAck.message.contains("\r\nIn-Reply-To: <a1-\(tag)@exemple.fr>\r\n"))
        #expect(alicesAck.message.contains("\r\nReferences: <a1-\(tag)@exemple.fr>\r\n"))

        // Parsed again (as after a crash between storage and parsing): nothing new, nothing changed.
        try store.pool.write { db in try db.execute(sql: "UPDATE messages SET status = 'received', parse_attempts = 0")
        }
        let again = try VigieCLI.run(["poll", "--once"], config: config)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.outbox(store) == rows)
    }

    @Test func aRemovedClusterTellsEachDistinctCitizenOnce() throws {
        try LocalServers.requireIMAP()
        try LocalServers.requireSMTPSinkDump()
        let user = LocalServers.uniqueUser()
        let tag = UUID().uuidString
        let d = "c\(tag.prefix(8).lowercased()).exemple.fr"  // the citizens' domain, this test's own at the sink
        try LocalServers.deliver(
            [
                Self.mail(from: "alice@\(d)", id: "a1-\(tag)@exemple.fr"),
                Self.mail(from: "alice@\(d)", id: "a2-\(tag)@exemple.fr", body: Self.tweet + "?s=20"),
                Self.mail(
                    from: "bruno@\(d)", id: "b1-\(tag)@exemple.fr",
                    headers: "Reply-To: <bruno.perso@\(d)>\r\n"),
                Self.mail(
                    from: "chloe@\(d)", id: "auto-\(tag)@exemple.fr", headers: "Auto-Submitted: auto-replied\r\n"),
                Self.mail(from: "noreply@service.exemple.fr", id: "noreply-\(tag)@exemple.fr"),
                Self.mail(from: "accueil@example.org", id: "own-\(tag)@example.org"),
            ], to: user)
        let (config, open) = try Self.config(user: user, minIntervalHours: 0)
        #expect(try VigieCLI.run(["poll", "--once"], config: config).status == 0)
        let store = try open()
        let cluster = try #require(try store.clusters().first { $0.reports == 5 })
        let cid = String(cluster.id)
        #expect(
            try VigieCLI.run(
                ["clusters", "qualify", cid, "provocation-haine-raciale", "--by", "m"],
                config: config
            ).status == 0)
        #expect(try VigieCLI.run(["clusters", "mark", cid, "notified", "--by", "m"], config: config).status == 0)
        #expect(try Self.outbox(store).allSatisfy { $0.kind == "acknowledgement" })
        let removed = try VigieCLI.run(["clusters", "mark", cid, "removed", "--by", "m"], config: config)
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(!(removed.stdout + removed.stderr).contains("@\(d)"))

        let notices = try Self.outbox(store).filter { $0.kind == "outcome" }
        #expect(
            notices.map(\.key) == [
                "outcome:cluster:\(cid):alice@\(d)",
                "outcome:cluster:\(cid):bruno@\(d)",
            ])
        #expect(notices.map(\.recipient) == ["alice@\(d)", "bruno.perso@\(d)"])
        #expect(notices.allSatisfy { $0.state == "pending" && $0.envelopeFrom == "" })  // sent by poll or serve
        #expect(notices[0].message.contains("\r\nIn-Reply-To: <a1-\(tag)@exemple.fr>\r\n"))  // her first report
        #expect(notices[0].message.contains("\r\nAuto-Submitted: auto-generated\r\n"))
        #expect(!notices[0].message.contains("bruno"), "a notice named another reporter")

        // Marking again is refused (removed is final) and enqueues nothing.
        let twice = try VigieCLI.run(["clusters", "mark", cid, "removed", "--by", "m"], config: config)
        #expect(twice.status != 0)
        #expect(try Self.outbox(store).filter { $0.kind == "outcome" }.count == 2)

        // The next poll sends them: at the sink, one each, as notifications (not replies) from the null sender.
        let send = try VigieCLI.run(["poll", "--once"], config: config)
        #expect(send.status == 0, "\(send.stderr)")
        #expect(try Self.outbox(store).filter { $0.kind == "outcome" }.allSatisfy { $0.state == "sent" })
        let dumps = Self.sinkDumps(domain: d, count: 5).filter {
            $0.message.contains("\r\nAuto-Submitted: auto-generated\r\n")
        }
        #expect(dumps.map(\.recipients).sorted { $0[0] < $1[0] } == [["alice@\(d)"], ["bruno.perso@\(d)"]])
        #expect(dumps.allSatisfy { $0.mailFrom.isEmpty })
    }

    /// A template the acknowledgements need is missing: `config check` and `poll` say which, in one line, and
    /// nothing is ingested without its acknowledgement.
    @Test func aMissingTemplateIsOneLineAtStart() throws {
        let (config, _) = try Self.config(user: LocalServers.uniqueUser())
        let dir = (config as NSString).deletingLastPathComponent
        try FileManager.default.removeItem(atPath: dir + "/templates/outcome.html.mustache")
        for command in [["config", "check"], ["poll", "--once"]] {
            let r = try VigieCLI.run(
                command, config: config,
                environment: ["VIGIE_NEWSLETTER_SECRET": "s3cret-0123456789"])
            #expect(r.status != 0, "\(command)")
            #expect(r.stderr.contains("outcome.html.mustache"), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
    }

    /// The sink's dumps for `domain`, once `count` of them are there (or what is there after 10 s).
    static func sinkDumps(domain: String, count: Int) -> [SinkDump] {
        var dumps: [SinkDump] = []
        _ = eventually(timeout: 10, every: 0.05) {
            dumps = SinkDump.read(LocalServers.sinkDir, domain: domain)
            return dumps.count >= count
        }
        return dumps
    }
}
