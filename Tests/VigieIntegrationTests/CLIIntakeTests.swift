import Foundation
import Testing
import VigieCore
import VigieStore

@Suite(.serialized) struct CLIIntakeTests {
    @Test func initWritesAValidConfigurationAndCheckNamesProblems() throws {
        let config = try VigieCLI.initConfig(user: "nobody")
        // `config check` resolves the enabled newsletter queue's signing secret, as `newsletter send` will.
        let ok = try VigieCLI.run(
            ["config", "check"], config: config,
            environment: ["VIGIE_NEWSLETTER_SECRET": "s3cret-0123456789"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("queue reports: intake"))

        let dir = (config as NSString).deletingLastPathComponent
        let queue = dir + "/queues/reports.toml"
        try (try String(contentsOfFile: queue, encoding: .utf8) + "mailbx = \"INBOX\"\n")
            .write(toFile: queue, atomically: true, encoding: .utf8)
        let bad = try VigieCLI.run(["config", "check"], config: config)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("reports.toml"))
        #expect(bad.stderr.contains("mailbx"))
        #expect(bad.stderr.split(separator: "\n").count == 1)

        try "kind = \"intake\"\nrole = \"reports\"\nurl = \"imap://127.0.0.1:143\"\nuser = \"u\"\npassword = \"p\"\n"
            .appending("poll_interval_seconds = \"ten\"\n").write(toFile: queue, atomically: true, encoding: .utf8)
        let typed = try VigieCLI.run(["config", "check"], config: config)
        #expect(typed.status != 0)
        #expect(typed.stderr.contains("poll_interval_seconds"))

        let missing = try VigieCLI.run(["config", "check"], config: dir + "/nope.toml")
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("nope.toml"))
    }

    @Test func pollOnceThenListAsJSON() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        try LocalServers.deliver(
            [
                reportMail(1, from: "a@exemple.fr", url: "https://x.com/troll/status/1790000000000000001?s=20"),
                reportMail(2, from: "b@exemple.fr", url: "https://mobile.twitter.com/troll/status/1790000000000000001"),
                reportMail(3, from: "A+signal@exemple.fr", url: "hxxps://x[.]com/troll/status/1790000000000000001"),
            ], to: user)
        let config = try VigieCLI.initConfig(user: user)
        let poll = try VigieCLI.run(["poll", "--once"], config: config)
        #expect(poll.status == 0, "\(poll.stderr)")
        let list = try VigieCLI.run(["reports", "list", "--json"], config: config)
        #expect(list.status == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 3)
        for r in rows {
            for key in ["id", "message_id", "from", "subject", "received_at", "urls", "status"] {
                #expect(r.keys.contains(key), "missing \(key)")
            }
            #expect(r["status"] as? String == "parsed")
            #expect((r["urls"] as? [String])?.count == 1)
        }
        let clusters = try VigieCLI.run(["clusters", "list", "--json"], config: config)
        let cl = try #require(try JSONSerialization.jsonObject(with: Data(clusters.stdout.utf8)) as? [[String: Any]])
        #expect(cl.count == 1)
        #expect(cl.first?["reports"] as? Int == 3)
        #expect(cl.first?["reporters"] as? Int == 2)
        #expect((cl.first?["urls"] as? [String])?.count == 3)

        let show = try VigieCLI.run(["reports", "show", String(rows[0]["id"] as! Int)], config: config)
        #expect(show.status == 0)
        #expect(show.stdout.contains("URLs (1)"))
        let none = try VigieCLI.run(["reports", "show", "999999"], config: config)
        #expect(none.status != 0)
        #expect(none.stderr.contains("999999"))
        let badStatus = try VigieCLI.run(["reports", "list", "--status", "bogus"], config: config)
        #expect(badStatus.status != 0)
        #expect(badStatus.stderr.contains("bogus"))
    }

    /// `kill -9` at several moments of a poll, then a full run: every message exactly once, all moved.
    @Test func killNineMidPollLosesNothingAndDuplicatesNothing() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        let total = 2000
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigie-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for i in 0..<total {
            try Data(reportMail(i, from: "c\(i % 97)@exemple.fr")).write(to: dir.appendingPathComponent("\(i).eml"))
        }
        try LocalServers.deliverBulk(directory: dir, to: user)
        let config = try VigieCLI.initConfig(user: user)
        let dbPath = (config as NSString).deletingLastPathComponent + "/var/vigie.sqlite"

        var kills = 0
        for threshold in [1, 300, 900] {
            let p = try VigieCLI.start(["poll", "--once"], config: config)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            _ = eventually(timeout: 60, every: 0.002) {
                guard p.isRunning else { return true }
                guard FileManager.default.fileExists(atPath: dbPath),
                    let n = try? Store(path: dbPath).messageCounts().values.reduce(0, +)
                else { return false }
                return n >= threshold
            }
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                kills += 1
            }
            p.waitUntilExit()
        }
        #expect(kills >= 1, "the poll finished before any kill: the test proved nothing")
        let final = try VigieCLI.run(["poll", "--once"], config: config)
        #expect(final.status == 0, "\(final.stderr)")
        let store = try Store(path: dbPath)
        let counts = try store.messageCounts()
        #expect(counts.values.reduce(0, +) == total)
        #expect(counts[.parsed] == total)
        #expect(try LocalServers.messageCount(of: user, mailbox: "INBOX") == 0)
        #expect(try LocalServers.messageCount(of: user, mailbox: "Archive") == total)
    }
}
