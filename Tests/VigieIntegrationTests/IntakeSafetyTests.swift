import Foundation
import GRDB
import Logging
import Testing
import VigieApp
import VigieCore
import VigieMail

@testable import VigieStore

/// Issue 7 §3 and the intake's lies of §5, against the real Dovecot and the built `vigie`.
@Suite(.serialized) struct IntakeSafetyTests {
    static func dbPath(_ config: String) -> String {
        (config as NSString).deletingLastPathComponent + "/var/vigie.sqlite"
    }

    static func json(_ text: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
    }

    // MARK: - Database creation

    @Test func readCommandsOnAMissingDatabaseFailAndCreateNothing() throws {
        let config = try VigieCLI.initConfig(user: "nobody")
        let db = Self.dbPath(config)
        #expect(FileManager.default.fileExists(atPath: db), "vigie init creates the database")
        try FileManager.default.removeItem(atPath: db)
        let expected = "vigie: database \(db) does not exist; run `vigie init` (or `vigie poll`) to create it\n"
        for command in [
            ["reports", "list"], ["reports", "show", "1"], ["clusters", "list"], ["clusters", "show", "1"],
            ["clusters", "notice", "1"], ["accounts", "list"], ["subscribers", "count"],
            ["subscribers", "show", "a@exemple.fr"], ["subscribers", "export"],
            ["newsletter", "status", "2026-11-21"], ["newsletter", "failures", "2026-11-21"],
        ] {
            let r = try VigieCLI.run(command, config: config)
            #expect(r.status != 0, "\(command)")
            #expect(r.stderr == expected, "\(command): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: db), "\(command) created the database")
        }
        // An explicit first run creates it.
        let add = try VigieCLI.run(["subscribers", "add", "a@exemple.fr"], config: config)
        #expect(add.status == 0, "\(add.stderr)")
        #expect(FileManager.default.fileExists(atPath: db))
        #expect(try VigieCLI.run(["reports", "list"], config: config).status == 0)
    }

    // MARK: - A database that vanishes under the poller

    @Test func databaseUnlinkedUnderARunningPollerStopsItBeforeAnyMove() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        let config = try VigieCLI.initConfig(user: user)
        let db = Self.dbPath(config)
        let p = try VigieCLI.start(["poll"], config: config)
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        // Wait for the poller's first pass (it records the mailbox's checkpoint), so it runs on the opened file.
        let box = "\(user)@\(LocalServers.host):\(LocalServers.imapPort)/INBOX"
        _ = eventually(timeout: 60, every: 0.05) {
            !p.isRunning || (try? Store(path: db, mode: .mustExist).checkpoint(mailbox: box)) != nil
        }
        try #require(p.isRunning, "the poller stopped before the test began")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        try LocalServers.deliver((1...10).map { reportMail($0) }, to: user)

        _ = eventually(timeout: 120, every: 0.05) { !p.isRunning }
        try #require(!p.isRunning, "the poller went on after its database vanished")
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus != 0)
        #expect(
            stderr.contains(
                "database \(db) was removed or replaced while vigie ran; nothing was moved on the "
                    + "server; restore it and restart"), "\(stderr)")
        #expect(try LocalServers.messageCount(of: user, mailbox: "INBOX") == 10)
        #expect((try LocalServers.messageCount(of: user, mailbox: "Archive") ?? 0) == 0)
        #expect(try LocalServers.flags(of: user).values.allSatisfy { !$0.contains("\\Seen") })
    }

    // MARK: - Message-ID collisions

    @Test func twoMessagesSharingOneMessageIDAreBothKeptAndTheSecondFlagged() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        func mail(_ url: String, from: String) -> [UInt8] {
            Array(
                """
                From: \(from)\r
                Subject: Signalement\r
                Message-ID: <shared-\(user)@exemple.fr>\r
                Content-Type: text/plain; charset=utf-8\r
                \r
                Voici : \(url)\r

                """.utf8)
        }
        let first = mail("https://x.com/a/status/1790000000000000011", from: "a@exemple.fr")
        let second = mail("https://x.com/b/status/1790000000000000022", from: "b@exemple.fr")
        // The first one again, byte for byte: a true duplicate.
        try LocalServers.deliver([first, second, first], to: user)
        let config = try VigieCLI.initConfig(user: user)
        let poll = try VigieCLI.run(["poll", "--once"], config: config)
        #expect(poll.status == 0, "\(poll.stderr)")
        #expect(poll.stdout.contains("duplicates 1"), "\(poll.stdout)")

        let rows = try Self.json(try VigieCLI.run(["reports", "list", "--json"], config: config).stdout)
        #expect(rows.count == 2)
        let urls = Set(rows.flatMap { $0["urls"] as? [String] ?? [] })
        #expect(urls == ["https://x.com/a/status/1790000000000000011", "https://x.com/b/status/1790000000000000022"])
        let clusters = try Self.json(try VigieCLI.run(["clusters", "list", "--json"], config: config).stdout)
        #expect(clusters.count == 2)

        let ids = rows.compactMap { $0["id"] as? Int }.sorted()
        try #require(ids.count == 2)
        let shown = try VigieCLI.run(["reports", "show", String(ids[1])], config: config)
        #expect(shown.stdout.contains("also on message \(ids[0])"), "\(shown.stdout)")
        let json = try VigieCLI.run(["reports", "show", "--json", String(ids[1])], config: config)
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(detail["message_id_collision"] as? Int == ids[0])
        #expect(try Store(path: Self.dbPath(config)).rawMessage(id: Int64(ids[1])) == second)
    }

    // MARK: - Structural limits

    /// 1,000 parts: URLs in part 1 (plain), part 500 (plain) and part 1,000 (quoted-printable, its URL cut by a soft
    /// line break), the last beyond the structural limit.
    static func thousandParts() -> [UInt8] {
        let boundary = "b-1000"
        var s = """
            From: Citoyen <c@exemple.fr>\r
            Subject: mille parties\r
            Message-ID: <mille-\(UUID().uuidString)@exemple.fr>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="\(boundary)"\r
            \r

            """
        for n in 1...1000 {
            s += "--\(boundary)\r\n"
            switch n {
            case 1, 500:
                s +=
                    "Content-Type: text/plain; charset=utf-8\r\n\r\npartie \(n) : https://x.com/p\(n)/status/17900000000000\(n)\r\n"
            case 1000:
                s += "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                s += "partie 1000 : https://x.com/p1000/status/=\r\n179000000000001000?a=3Db\r\n"
            default:
                s += "Content-Type: text/plain; charset=utf-8\r\n\r\npartie \(n)\r\n"
            }
        }
        s += "--\(boundary)--\r\n"
        return Array(s.utf8)
    }

    /// Parts nested 25 deep (the limit is 20), a base64 text at the bottom.
    static func deepNesting() -> [UInt8] {
        var s = """
            From: Citoyen <d@exemple.fr>\r
            Subject: imbrication\r
            Message-ID: <deep-\(UUID().uuidString)@exemple.fr>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="d0"\r
            \r

            """
        for level in 0..<25 {
            s += "--d\(level)\r\nContent-Type: multipart/mixed; boundary=\"d\(level + 1)\"\r\n\r\n"
        }
        let body = Data("au fond : https://x.com/deep/status/1790000000000000025\r\n".utf8).base64EncodedString()
        s += "--d25\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\(body)\r\n"
        for level in stride(from: 25, through: 0, by: -1) { s += "--d\(level)--\r\n" }
        return Array(s.utf8)
    }

    @Test func linksPastThePartAndNestingLimitsAreStillExtracted() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        try LocalServers.deliver([Self.thousandParts(), Self.deepNesting()], to: user)
        let config = try VigieCLI.initConfig(user: user)
        let poll = try VigieCLI.run(["poll", "--once"], config: config)
        #expect(poll.status == 0, "\(poll.stderr)")

        let rows = try Self.json(try VigieCLI.run(["reports", "list", "--json"], config: config).stdout)
        try #require(rows.count == 2)
        let many = try #require(rows.first { ($0["subject"] as? String) == "mille parties" })
        #expect(
            Set(many["urls"] as? [String] ?? []) == [
                "https://x.com/p1/status/179000000000001", "https://x.com/p500/status/17900000000000500",
                "https://x.com/p1000/status/179000000000001000?a=b",
            ])
        let deep = try #require(rows.first { ($0["subject"] as? String) == "imbrication" })
        #expect(deep["urls"] as? [String] == ["https://x.com/deep/status/1790000000000000025"])
        let clusters = try Self.json(try VigieCLI.run(["clusters", "list", "--json"], config: config).stdout)
        #expect(clusters.count == 4)

        let shown = try VigieCLI.run(["reports", "show", String(many["id"] as? Int ?? 0)], config: config)
        #expect(
            shown.stdout.contains(
                "the structure was truncated there and the rest of the message scanned as raw "
                    + "text for links"), "\(shown.stdout)")
        let shownDeep = try VigieCLI.run(["reports", "show", String(deep["id"] as? Int ?? 0)], config: config)
        #expect(shownDeep.stdout.contains("deeper parts scanned as raw text for links"), "\(shownDeep.stdout)")
    }

    // MARK: - Configuration

    @Test(arguments: [("INBOX", "inbox"), ("INBOX", "INBOX"), ("Signalements", "Signalements")])
    func processedMailboxEqualToTheMailboxIsRefused(mailbox: String, processed: String) throws {
        let config = try VigieCLI.initConfig(
            user: "nobody", processed: processed,
            extraQueueKeys: "mailbox = \"\(mailbox)\"")
        for command in [["config", "check"], ["poll", "--once"]] {
            let r = try VigieCLI.run(command, config: config)
            #expect(r.status != 0, "\(command)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(r.stderr)")
            #expect(
                r.stderr.contains("queues/reports.toml: key \"processed_mailbox\" is the intake mailbox"),
                "\(r.stderr)")
        }
        // Another case of a name other than INBOX is another folder.
        if mailbox != "INBOX" {
            let other = try VigieCLI.initConfig(
                user: "nobody", processed: processed.lowercased(),
                extraQueueKeys: "mailbox = \"\(mailbox)\"")
            // `config check` resolves the newsletter's signing secret too, as `newsletter send` will.
            let checked = try VigieCLI.run(
                ["config", "check"], config: other,
                environment: ["VIGIE_NEWSLETTER_SECRET": "s3cret-0123456789"])
            #expect(checked.status == 0, "\(checked.stderr)")
        }
    }

    // MARK: - Errors that say what happened

    @Test func anUntrustedCertificateSaysSo() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        try LocalServers.deliver([reportMail(1)], to: user)
        let config = try VigieCLI.initConfig(user: user)
        let queue = (config as NSString).deletingLastPathComponent + "/queues/reports.toml"
        let text = try String(contentsOfFile: queue, encoding: .utf8)
            .replacingOccurrences(
                of: "imap://127.0.0.1:\(LocalServers.imapPort)",
                with: "imaps://127.0.0.1:\(LocalServers.imapsPort)")
        try text.write(toFile: queue, atomically: true, encoding: .utf8)
        let r = try VigieCLI.run(["poll", "--once"], config: config)
        #expect(r.status != 0)
        #expect(r.stderr.contains("certificate is not trusted: set ca_file in"), "\(r.stderr)")
        #expect(!r.stderr.contains("is the IMAP server up"), "\(r.stderr)")
        #expect(try LocalServers.messageCount(of: user, mailbox: "INBOX") == 1)
    }

    @Test func aFullDiskSaysSoAndMovesNothing() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        // Large enough that storing them needs new pages.
        let padding = "X-Padding: " + String(repeating: "0123456789", count: 20_000) + "\r\n"
        try LocalServers.deliver((1...5).map { reportMail($0, extraHeaders: padding) }, to: user)
        let f = try IntakeFixture(queue: localQueue(user: user))
        // SQLITE_FULL as on a full disk, without mounting a small file system: the file may not grow any more.
        try f.store.pool.write { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        let service = IntakeService(runners: [f.runner], logger: Logger(label: "test"))
        let error = try #require(throws: IntakeError.self) { _ = try service.pollOnce() }
        let line = "\(error)"
        #expect(line.contains("disk full: cannot write the database \(f.store.path)"), "\(line)")
        #expect(line.contains("nothing was moved on the server"), "\(line)")
        #expect(!line.contains("credentials"), "\(line)")
        #expect(try LocalServers.messageCount(of: user, mailbox: "INBOX") == 5)
        #expect(try LocalServers.flags(of: user).values.allSatisfy { !$0.contains("\\Seen") })
    }

    @Test(arguments: [StallingIMAPServer.StallPoint.greeting, .select, .midFetch])
    func aStalledServerTimesOutAfterTimeoutSeconds(stall: StallingIMAPServer.StallPoint) throws {
        let server = try StallingIMAPServer(stallAt: stall)
        defer { server.close() }
        let endpoint = IMAPEndpoint(
            host: "127.0.0.1", port: server.port, security: .plain, user: "u", password: "p",
            timeoutSeconds: 2)
        let start = Date()
        let error = try #require(throws: EtpanError.self) {
            let session = try IMAPSession(endpoint: endpoint, logger: Logger(label: "test"))
            defer { session.logout() }
            _ = try session.select("INBOX")
            let uids = try session.uids(from: 1)
            _ = try session.fetchFull(uids)
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(error.timedOutAfter == 2, "\(error)")
        #expect("\(error)".contains("timed out after 2 s"), "\(error)")
        #expect(!"\(error)".contains("connection lost"), "\(error)")
        // A correctness bound, not a benchmark: before, libetpan waited the timeout two or three times over.
        #expect(elapsed < 6, "gave up after \(elapsed) s")
    }

    @Test func pollOnceEndsPromptlyWhenTheServerNeverAnswersLogout() throws {
        let server = try StallingIMAPServer(stallAt: .logout)
        defer { server.close() }
        let config = try VigieCLI.initConfig(user: "u")
        let queue = (config as NSString).deletingLastPathComponent + "/queues/reports.toml"
        try """
        kind = "intake"
        role = "reports"
        url = "imap://127.0.0.1:\(server.port)"
        user = "u"
        password = "p"
        timeout_seconds = 30
        """.write(toFile: queue, atomically: true, encoding: .utf8)
        let start = Date()
        let r = try VigieCLI.run(["poll", "--once"], config: config)
        let elapsed = Date().timeIntervalSince(start)
        #expect(r.status == 0, "\(r.stderr)")
        // The goodbye waits a few seconds at most, not timeout_seconds (twice, as libetpan's free did).
        #expect(elapsed < 20, "poll --once took \(elapsed) s")
    }
}
