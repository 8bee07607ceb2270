import Foundation
import Testing
import VigieCore

/// Issue 7 §4–§5 through the real binary: file modes, escaped output, safe exports, honest messages and exit codes.
@Suite(.serialized) struct CLISafetyTests {
    /// Runs the binary under `umask 022` (systemd's default), as a started process.
    static func underUmask022(_ arguments: [String], config: String?) throws -> Process {
        let p = try VigieCLI.start(arguments, config: config)
        let args = [VigieCLI.binary] + (p.arguments ?? [])
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "umask 022 && exec \"$0\" \"$@\""] + args
        return p
    }

    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Waits (no fixed sleep) until a file exists or the deadline passes.
    static func waitFor(_ path: String, seconds: Double = 30) -> Bool {
        eventually(timeout: seconds) { FileManager.default.fileExists(atPath: path) }
    }

    /// `vigie init` and a running poller under umask 022: every file 0600, every folder 0700, the database's WAL and
    /// SHM included; SIGTERM then stops the poller with 143.
    @Test func filesArePrivateWhateverTheUmask() throws {
        try LocalServers.requireIMAP()
        let dir = NSTemporaryDirectory() + "vigie-modes-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let initProcess = try Self.underUmask022(["init", dir], config: nil)
        initProcess.standardOutput = FileHandle.nullDevice
        try initProcess.run()
        initProcess.waitUntilExit()
        #expect(initProcess.terminationStatus == 0)
        var checked = 0
        for path in [dir, dir + "/queues", dir + "/templates"] {
            #expect(try Self.mode(path) == 0o700, "\(path)")
            checked += 1
        }
        for name in [
            "vigie.toml", "offences.toml", "queues/newsletter.toml", "queues/reports.toml",
            "templates/notice.txt.mustache",
        ] {
            #expect(try Self.mode(dir + "/" + name) == 0o600, "\(name)")
            checked += 1
        }

        let user = LocalServers.uniqueUser()
        try """
        kind = "intake"
        role = "reports"
        url = "imap://127.0.0.1:\(LocalServers.imapPort)"
        user = "\(user)"
        password = "\(LocalServers.password)"
        poll_interval_seconds = 5
        """.write(toFile: dir + "/queues/reports.toml", atomically: true, encoding: .utf8)
        let poll = try Self.underUmask022(["poll"], config: dir + "/vigie.toml")
        poll.standardOutput = FileHandle.nullDevice
        poll.standardError = FileHandle.nullDevice
        try poll.run()
        defer { if poll.isRunning { kill(poll.processIdentifier, SIGKILL) } }
        let db = dir + "/var/vigie.sqlite"
        #expect(Self.waitFor(db + "-wal") && Self.waitFor(db + "-shm"), "the poller never opened the database")
        #expect(try Self.mode(dir + "/var") == 0o700)
        for path in [db, db + "-wal", db + "-shm"] {
            #expect(try Self.mode(path) == 0o600, "\(path)")
            checked += 1
        }
        #expect(checked == 11)
        kill(poll.processIdentifier, SIGTERM)
        poll.waitUntilExit()
        #expect(poll.terminationReason == .exit)
        #expect(poll.terminationStatus == 143)  // 128 + SIGTERM
    }

    @Test func sigintStopsThePollerWith130() throws {
        try LocalServers.requireIMAP()
        let config = try VigieCLI.initConfig(user: LocalServers.uniqueUser())
        let db = (config as NSString).deletingLastPathComponent + "/var/vigie.sqlite"
        let poll = try VigieCLI.start(["poll"], config: config)
        poll.standardOutput = FileHandle.nullDevice
        poll.standardError = FileHandle.nullDevice
        try poll.run()
        defer { if poll.isRunning { kill(poll.processIdentifier, SIGKILL) } }
        #expect(Self.waitFor(db + "-wal"))
        kill(poll.processIdentifier, SIGINT)
        poll.waitUntilExit()
        #expect(poll.terminationReason == .exit)
        #expect(poll.terminationStatus == 130)  // 128 + SIGINT
    }

    /// What a hostile citizen sends: clear screen, window title, OSC 52 clipboard write, C1 CSI, RLO, BEL.
    static let hostile = "\u{1B}[2J\u{1B}]0;owned\u{07}\u{1B}]52;c;cm0gLXJmIH4=\u{07}\u{9B}31m\u{202E}gpj.exe"

    static func hostileMail() -> [UInt8] {
        let subject = "=?utf-8?b?" + Data(("Signalement " + hostile).utf8).base64EncodedString() + "?="
        let name = "=?utf-8?b?" + Data(("Citoyen " + hostile).utf8).base64EncodedString() + "?="
        return Array(
            """
            From: \(name) <hostile@exemple.fr>\r
            To: signalements@example.org\r
            Subject: \(subject)\r
            Date: Sat, 21 Nov 2026 10:00:00 +0100\r
            Message-ID: <hostile-\(UUID().uuidString)@exemple.fr>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            Bonjour \(hostile)\r
            https://x.com/troll/status/1790000000000000042\r
            Fin \(hostile)\r

            """.utf8)
    }

    /// The raw sequences never reach stdout or stderr; their escaped form does (the text was there and is shown).
    static func expectSafe(_ r: VigieCLI.Result, _ what: String, showsEscapes: Bool = true) {
        #expect(r.status == 0, "\(what): \(r.stderr)")
        for stream in [r.stdout, r.stderr] {
            let raw = stream.unicodeScalars.filter { SafeText.isUnsafe($0) && $0 != "\n" && $0 != "\t" }
            #expect(raw.isEmpty, "\(what) wrote raw \(raw.map { String($0.value, radix: 16) })")
            for bytes: [UInt8] in [[0x1B], [0x07], [0xC2, 0x9B], [0xE2, 0x80, 0xAE]] {
                #expect(Array(stream.utf8).firstRange(of: bytes) == nil, "\(what) wrote \(bytes)")
            }
        }
        if showsEscapes {
            #expect(r.stdout.lowercased().contains("\\u001b[2j"), "\(what): \(r.stdout)")
        }
    }

    @Test func citizensControlSequencesNeverReachTheTerminal() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        try LocalServers.deliver([Self.hostileMail()], to: user)
        let config = try VigieCLI.initConfig(user: user)
        let poll = try VigieCLI.run(["poll", "--once"], config: config)
        #expect(poll.status == 0, "\(poll.stderr)")

        let listJSON = try VigieCLI.run(["reports", "list", "--json"], config: config)
        Self.expectSafe(listJSON, "reports list --json")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listJSON.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1)
        // JSON keeps the exact text for machines: it decodes back to the citizen's bytes.
        #expect((rows.first?["subject"] as? String) == "Signalement " + Self.hostile)
        let id = String(try #require(rows.first?["id"] as? Int))

        Self.expectSafe(try VigieCLI.run(["reports", "list"], config: config), "reports list")
        let show = try VigieCLI.run(["reports", "show", id], config: config)
        Self.expectSafe(show, "reports show")
        #expect(show.stdout.contains("Subject:     Signalement \\u001B[2J\\u001B]0;owned\\u0007"), "\(show.stdout)")
        #expect(show.stdout.contains("\\u009B31m\\u202Egpj.exe"), "\(show.stdout)")
        Self.expectSafe(try VigieCLI.run(["reports", "show", id, "--json"], config: config), "reports show --json")

        let clusters = try VigieCLI.run(["clusters", "list", "--json"], config: config)
        Self.expectSafe(clusters, "clusters list --json", showsEscapes: false)
        let cl = try #require(try JSONSerialization.jsonObject(with: Data(clusters.stdout.utf8)) as? [[String: Any]])
        let cid = String(try #require(cl.first?["id"] as? Int))
        Self.expectSafe(
            try VigieCLI.run(["clusters", "show", cid, "--reporters"], config: config),
            "clusters show --reporters")
        Self.expectSafe(
            try VigieCLI.run(["clusters", "show", cid, "--reporters", "--json"], config: config),
            "clusters show --reporters --json")
    }

    /// OWASP "CSV injection": a field a spreadsheet would evaluate starts with `'` inside quotes.
    @Test func exportNeutralisesSpreadsheetFormulas() throws {
        let config = try VigieCLI.initConfig(user: "nobody")
        let names = [
            "=HYPERLINK(\"http://evil.example\",\"x\")", "+33 6 12", "-2+3", "@SUM(A1)", "\tTab",
            "Anne Normale",
        ]
        for (i, name) in names.enumerated() {
            let r = try VigieCLI.run(["subscribers", "add", "s\(i)@exemple.fr", "--name=\(name)"], config: config)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let formula = try VigieCLI.run(["subscribers", "add", "=cmd@exemple.fr"], config: config)
        #expect(formula.status == 0, "\(formula.stderr)")
        let export = try VigieCLI.run(["subscribers", "export"], config: config)
        #expect(export.status == 0)
        let lines = export.stdout.components(separatedBy: "\r\n")
        func line(_ address: String) -> String { lines.first { $0.contains(address) } ?? "" }
        #expect(line("s0@").hasPrefix("s0@exemple.fr,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\","))
        #expect(line("s1@").hasPrefix("s1@exemple.fr,\"'+33 6 12\","))
        #expect(line("s2@").hasPrefix("s2@exemple.fr,\"'-2+3\","))
        #expect(line("s3@").hasPrefix("s3@exemple.fr,\"'@SUM(A1)\","))
        #expect(line("s4@").hasPrefix("s4@exemple.fr,\"'\\tTab\","))
        #expect(line("s5@").hasPrefix("s5@exemple.fr,Anne Normale,"))
        #expect(line("cmd@").hasPrefix("\"'=cmd@exemple.fr\","))
        #expect(!export.stdout.unicodeScalars.contains("\t"))
    }

    /// 0 every row taken, 2 some rejected (named on stderr, the rest imported), 1 nothing usable.
    @Test func importExitStatusSaysWhatHappened() throws {
        let config = try VigieCLI.initConfig(user: "nobody")
        let dir = (config as NSString).deletingLastPathComponent
        let good = dir + "/good.csv", partial = dir + "/partial.csv", bad = dir + "/bad.csv"
        try "email;name\r\nanne@exemple.fr;\"Dupont; Anne\"\r\nbob@exemple.fr;\"Bob\nMartin\"\r\n"
            .write(toFile: good, atomically: true, encoding: .utf8)
        try "email,name\ncarl@exemple.fr,Carl\nnot-an-address\r\nBcc: x,Evil\n"
            .write(toFile: partial, atomically: true, encoding: .utf8)
        try "mail,nom\nx@exemple.fr,X\n".write(toFile: bad, atomically: true, encoding: .utf8)

        let ok = try VigieCLI.run(["subscribers", "import", good], config: config)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("imported 2"))
        let bob = try VigieCLI.run(["subscribers", "show", "bob@exemple.fr"], config: config)
        #expect(bob.stdout.contains("(Bob Martin)"), "\(bob.stdout)")

        let some = try VigieCLI.run(["subscribers", "import", partial], config: config)
        #expect(some.status == 2, "\(some.stderr)")
        #expect(some.stdout.contains("imported 1"))
        #expect(some.stderr.contains("partial.csv: line 3"), "\(some.stderr)")

        let none = try VigieCLI.run(["subscribers", "import", bad], config: config)
        #expect(none.status == 1)
        #expect(none.stderr.contains("email"))
    }

    /// Error lines read in order and stay one line, whatever the value holds.
    @Test func errorsSayWhatHappenedOnOneLine() throws {
        let config = try VigieCLI.initConfig(user: "nobody")
        for args in [
            ["clusters", "notice", "999999"], ["clusters", "show", "999999"],
            ["clusters", "qualify", "999999", "provocation-haine-raciale"],
        ] {
            let r = try VigieCLI.run(args, config: config)
            #expect(r.status == 1)
            #expect(r.stderr == "vigie: cluster 999999 not found; see `vigie clusters list`\n", "\(args): \(r.stderr)")
        }
        let report = try VigieCLI.run(["reports", "show", "999999"], config: config)
        #expect(report.stderr == "vigie: report 999999 not found; see `vigie reports list`\n")

        let injected = try VigieCLI.run(["subscribers", "add", "a@exemple.fr\r\nBcc: x@evil.example"], config: config)
        #expect(injected.status == 1)
        #expect(
            injected.stderr == "vigie: \"a@exemple.fr\\r\\nBcc: x@evil.example\" is not a valid address\n",
            "\(injected.stderr)")
        let unknown = try VigieCLI.run(["subscribers", "show", "x@exemple.fr\n\u{1B}[2J"], config: config)
        #expect(unknown.stderr == "vigie: \"x@exemple.fr\\n\\u001B[2J\" is not a subscriber\n", "\(unknown.stderr)")
    }

    /// A value a command would refuse makes `config check` exit non-zero with one line naming file and key.
    @Test func configCheckRefusesWhatSendWouldRefuse() throws {
        let config = try VigieCLI.initConfig(user: "nobody")
        let env = ["VIGIE_NEWSLETTER_SECRET": "s3cret-0123456789"]
        let ok = try VigieCLI.run(["config", "check"], config: config, environment: env)
        #expect(ok.status == 0, "\(ok.stderr)")
        let unset = try VigieCLI.run(["config", "check"], config: config, environment: ["VIGIE_NEWSLETTER_SECRET": ""])
        #expect(unset.status == 1)
        #expect(unset.stderr.contains("VIGIE_NEWSLETTER_SECRET"), "\(unset.stderr)")

        let queue = (config as NSString).deletingLastPathComponent + "/queues/newsletter.toml"
        let text = try String(contentsOfFile: queue, encoding: .utf8)
        try text.replacingOccurrences(
            of: "list_id = \"La lettre quotidienne <lettre.example.org>\"",
            with: "list_id = \"lettre.example.org\""
        )
        .write(toFile: queue, atomically: true, encoding: .utf8)
        let bad = try VigieCLI.run(["config", "check"], config: config, environment: env)
        #expect(bad.status == 1)
        #expect(
            bad.stderr.hasPrefix("vigie: \(queue): list_id must be written with its angle brackets"), "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").count == 1)
    }
}
