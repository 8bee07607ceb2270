import Foundation
import GRDB
import Logging
import Testing
import VigieApp
import VigieCore
import VigieStore

/// A configuration folder (what `vigie init` writes) with the digest enabled, and its store seeded with reports at
/// known times: the digest's answers are known in advance.
final class DigestFixture {
    let folder: ConfigCheckTests.Folder
    let store: Store
    /// The previous digest (recorded for period 2026-12-01) and the next one, 24 h later (08:00 in Paris).
    static let t0 = Date(timeIntervalSince1970: 1_796_108_400)  // 2026-12-01T07:00:00Z
    static let now = t0.addingTimeInterval(86_400)
    /// Every reporter's address and name: none may appear in a digest or an alert.
    static let identities = [
        "alice@exemple.fr", "Alice", "Martin", "zoe@exemple.fr", "Zoé", "Petit", "yann@exemple.fr", "Yannick",
        "bob.durand@exemple.fr", "Bob", "Durand", "carol@exemple.fr", "Carol", "Lefèvre", "dave@exemple.fr",
        "Dave", "Kowalski", "erin.moreau@perso.fr", "Erin", "Moreau", "frank@exemple.fr", "Franck", "gina@exemple.fr",
        "Gina", "Rossi",
    ]
    static let tweetA = "https://x.com/troll/status/1790000000000000001"
    static let tweetB = "https://x.com/troll/status/1790000000000000002"
    static let video = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    static let tiktok = "https://www.tiktok.com/@quelquun/video/7300000000000000001"
    static let stale = "https://x.com/autre/status/1790000000000000009"
    static let removed = "https://www.youtube.com/watch?v=AAAAAAAAAAA"

    init(digest: [String: String] = [:]) throws {
        folder = try ConfigCheckTests.Folder()
        try folder.set("queues/digest.toml", "enabled", "true")
        try folder.set("queues/digest.toml", "to", #"["moderation@example.org", "Équipe <equipe@example.org>"]"#)
        try folder.set("queues/digest.toml", "alert_reporters", "3")
        for (k, v) in digest { try folder.set("queues/digest.toml", k, v) }
        let ctx = try AppContext.load(configPath: folder.config, logger: Logger(label: "test"))
        store = try Store(path: try ctx.prepareDatabase())
    }

    deinit { try? FileManager.default.removeItem(atPath: folder.dir) }

    func context() throws -> AppContext {
        try AppContext.load(configPath: folder.config, logger: Logger(label: "test"))
    }

    var uid: UInt32 = 0

    /// Stores one parsed citizen report received at `at` and links it to its cluster.
    @discardableResult
    func report(
        _ from: String, name: String?, url: String, at: Date, text: String? = nil,
        attachments: [AttachmentInfo] = []
    ) throws -> Int64 {
        uid += 1
        let raw = Array("Message-ID: <\(UUID().uuidString)@x>\r\n\r\n\(url)".utf8)
        let out = try store.commit(
            batch: [
                IncomingMessage(
                    uid: uid, raw: raw, size: raw.count, truncated: false,
                    sha256: UUID().uuidString, messageID: nil)
            ],
            queue: "reports", mailbox: "t", uidValidity: 1, lastUID: uid, now: at)
        guard case .inserted(let id) = out[0] else { throw ConfigError("not inserted") }
        _ = try store.claimForParsing(limit: 10)
        var p = ParsedMessage()
        p.from = MailAddress(name: name, address: from)
        p.subject = "Signalement"
        p.text = text ?? "Bonjour, voici le lien : \(url)"
        p.attachments = attachments
        try store.saveParsed([
            ParseOutcome(
                messageID: id, status: .parsed, parsed: p, urls: [url], automaticReason: nil,
                error: nil)
        ])
        try context().clusterService().link(reportIDs: [id])
        return id
    }

    func clusterID(_ url: String) throws -> Int64 {
        let id = ContentIdentifier.identify(url, rules: .default).map(\.key)
        return try #require(try store.clusters().first { $0.key == id }?.id)
    }

    func moderate(_ url: String, _ to: ModerationStatus, at: Date) throws {
        try store.moderate(
            clusterID: try clusterID(url),
            change: ModerationChange(
                to: to, offence: to == .qualified ? "injure" : nil,
                platformRef: to == .notified ? "REF-77" : nil,
                channel: to == .notified ? "formulaire" : nil, author: "modo"),
            rules: ModerationRules(knownOffences: ["injure"]), now: at)
    }

    /// The scenario: a digest served at t0, then a day of reports.
    func seedDay() throws {
        let t0 = Self.t0
        let h = 3600.0
        try report("alice@exemple.fr", name: "Alice Martin", url: Self.tweetA, at: t0 - 48 * h)
        try report("zoe@exemple.fr", name: "Zoé Petit", url: Self.video, at: t0 - 47 * h)
        try report("yann@exemple.fr", name: "Yannick", url: Self.stale, at: t0 - 12 * 24 * h)
        try moderate(Self.stale, .qualified, at: t0 - 11 * 24 * h)
        try moderate(Self.stale, .notified, at: t0 - 9 * 24 * h)
        _ = try store.recordScheduleRun(.digest, period: "2026-12-01", items: [], now: t0)

        try report("gina@exemple.fr", name: "Gina Rossi", url: Self.video + "&feature=share", at: t0 + 0.5 * h)
        try report(
            "bob.durand@exemple.fr", name: "Bob Durand",
            url: "https://mobile.twitter.com/troll/status/1790000000000000001?s=20", at: t0 + 1 * h,
            text: """
                Bonjour, ce message appelle à la haine contre les <b>habitants</b> du quartier & menace nommément \
                une élue. Merci d'agir vite.
                Bob Durand, bob.durand@exemple.fr
                -- 
                Bob Durand · 06 00 00 00 00
                """)
        try report(
            "carol@exemple.fr", name: "Carol Lefèvre", url: Self.tweetA, at: t0 + 2 * h,
            text: "Signalé par Carol : insultes racistes répétées.")
        try report("alice@exemple.fr", name: "Alice Martin", url: Self.tweetB, at: t0 + 3 * h)
        try report(
            "dave@exemple.fr", name: "Dave Kowalski", url: Self.tweetB, at: t0 + 4 * h,
            attachments: [AttachmentInfo(filename: "capture_dave_kowalski.png", mimeType: "image/png", size: 1200)])
        try report(
            "erin.moreau@perso.fr", name: "Erin Moreau", url: Self.tiktok, at: t0 + 5 * h,
            text: "Je m'appelle Erin Moreau, écrivez-moi à erin.moreau@perso.fr : cette vidéo harcèle ma fille.")
        try report("frank@exemple.fr", name: "Franck", url: Self.removed, at: t0 + 1 * h)
        try moderate(Self.removed, .qualified, at: t0 + 6 * h)
        try moderate(Self.removed, .notified, at: t0 + 7 * h)
        try moderate(Self.removed, .removed, at: t0 + 8 * h)
    }

    /// Fails on any reporter's address or name in `text`.
    static func expectNoIdentity(_ text: String, _ what: String) {
        for i in identities {
            #expect(!text.localizedCaseInsensitiveContains(i), "\(what) shows \(i)")
        }
    }
}

@Suite(.serialized) struct DigestTests {
    @Test func contentHasTheKnownCountsOrderAndNoIdentity() throws {
        let f = try DigestFixture(digest: ["top": "3"])
        try f.seedDay()
        let p = try f.context().digestService().preview(now: DigestFixture.now)
        let text = p.text
        #expect(text.contains("Depuis le dernier récapitulatif, le 1 décembre à 08:00"), "\(text)")
        for (label, n) in [
            ("Nouveaux signalements", 7), ("Nouveaux citoyens", 6), ("Nouveaux contenus", 3),
            ("Qualifiés", 1), ("Notifiés", 1), ("Retirés", 1),
        ] {
            #expect(text.contains("\(label) : \(n)\n"), "\(label) should be \(n)")
        }
        // Top 3 by priority: the tweet A (3 reporters, 2 new), tweet B (2 new), the video (1 new of 2); the TikTok
        // (1 reporter) is fourth, and the removed video is out.
        let a = try #require(
            text.range(of: "1. X (anciennement Twitter) · n° \(try f.clusterID(DigestFixture.tweetA)) · en hausse"),
            "\(text)")
        let b = try #require(
            text.range(of: "2. X (anciennement Twitter) · n° \(try f.clusterID(DigestFixture.tweetB)) · nouveau"))
        let v = try #require(text.range(of: "3. YouTube · n° \(try f.clusterID(DigestFixture.video)) · en hausse"))
        #expect(a.lowerBound < b.lowerBound && b.lowerBound < v.lowerBound)
        #expect(!text.contains("4. "))
        #expect(!text.contains("tiktok.com"))
        #expect(!text.contains("AAAAAAAAAAA"))
        #expect(text.contains("Signalé par 3 personnes (2 nouvelles depuis le dernier récapitulatif), 3 signalements"))
        #expect(text.contains("https://mobile.twitter.com/troll/status/1790000000000000001?s=20"))
        #expect(text.contains("ce message appelle à la haine contre les <b>habitants</b> du quartier & menace"))
        #expect(text.contains("[nom masqué] [nom masqué], [adresse masquée]"))
        #expect(!text.contains("06 00 00 00 00"), "the signature is dropped")
        #expect(text.contains("capture_[nom masqué]_[nom masqué].png (image/png)"))
        #expect(text.contains("Statut : à examiner"))
        #expect(text.contains("X (anciennement Twitter) · x:account:troll : 2 publications, 5 signalements"))
        #expect(text.contains("NOTIFIÉS SANS SUITE DEPUIS PLUS DE 7 JOURS (1)"))
        #expect(text.contains("notifié le 22 novembre 2026 (il y a 10 jours) · réf. REF-77"), "\(text)")
        // HTML: escaped citizens' words, and no identity in either part.
        #expect(p.html.contains("&lt;b&gt;habitants&lt;/b&gt;"))
        #expect(!p.html.contains("<b>habitants"))
        DigestFixture.expectNoIdentity(text, "the text digest")
        DigestFixture.expectNoIdentity(p.html, "the HTML digest")

        // With a larger top the TikTok shows, its reporter's own name and address masked.
        try f.folder.set("queues/digest.toml", "top", "10")
        let all = try f.context().digestService().preview(now: DigestFixture.now)
        #expect(all.text.contains("4. TikTok"))
        #expect(all.text.contains("Je m'appelle [nom masqué] [nom masqué], écrivez-moi à [adresse masquée]"))
        DigestFixture.expectNoIdentity(all.text, "the text digest")
        DigestFixture.expectNoIdentity(all.html, "the HTML digest")
        try all.html.write(
            toFile: NSTemporaryDirectory() + "vigie-digest-sample.html", atomically: true, encoding: .utf8)
    }

    @Test func linksToTheConsoleWhenPublicURLIsSet() throws {
        let f = try DigestFixture()
        try f.seedDay()
        #expect(!(try f.context().digestService().preview(now: DigestFixture.now).text.contains("/console/")))
        let toml = try String(contentsOfFile: f.folder.config, encoding: .utf8)
            .replacingOccurrences(of: "# public_url = ", with: "public_url = \"https://vigie.example.org/\" # ")
        try toml.write(toFile: f.folder.config, atomically: true, encoding: .utf8)
        let p = try f.context().digestService().preview(now: DigestFixture.now)
        let id = try f.clusterID(DigestFixture.tweetA)
        #expect(p.text.contains("Console : https://vigie.example.org/console/clusters/\(id)"))
        #expect(p.html.contains("href=\"https://vigie.example.org/console/clusters/\(id)\""))
    }

    @Test func schedulerServesEachPeriodOnce() throws {
        let f = try DigestFixture(digest: ["schedule": #""08:00""#])
        try f.report("a@exemple.fr", name: nil, url: DigestFixture.tweetA, at: DigestFixture.t0 - 3600)
        func at(_ text: String) throws -> Date {
            let d = ISO8601DateFormatter()
            return try #require(d.date(from: text))
        }
        // Before the first instant: yesterday's period is due (catch-up once at start).
        var scheduler = try f.context().digestScheduler()
        #expect(try scheduler.tick(now: try at("2026-12-01T06:00:00Z")) == "2026-11-30")
        #expect(try scheduler.tick(now: try at("2026-12-01T06:30:00Z")) == nil)
        // A restart (a new scheduler) within the day: nothing.
        scheduler = try f.context().digestScheduler()
        #expect(try scheduler.tick(now: try at("2026-12-01T06:59:59Z")) == nil)
        #expect(try scheduler.tick(now: try at("2026-12-01T07:00:00Z")) == "2026-12-01")
        #expect(try scheduler.tick(now: try at("2026-12-01T07:00:01Z")) == nil)
        // Stopped for three days: one digest at start, for the latest period only.
        scheduler = try f.context().digestScheduler()
        #expect(try scheduler.tick(now: try at("2026-12-04T09:00:00Z")) == "2026-12-04")
        #expect(try scheduler.tick(now: try at("2026-12-04T10:00:00Z")) == nil)
        let keys = try outboxKeys(f)
        #expect(
            keys == [
                "digest:2026-11-30:equipe@example.org", "digest:2026-11-30:moderation@example.org",
                "digest:2026-12-01:equipe@example.org", "digest:2026-12-01:moderation@example.org",
                "digest:2026-12-04:equipe@example.org", "digest:2026-12-04:moderation@example.org",
            ])
    }

    @Test func schedulerOnDSTDays() throws {
        // 02:30 does not exist on 2027-03-28 in Paris (02:00 → 03:00): the digest goes at 03:00 local, once.
        let f = try DigestFixture(digest: ["schedule": #""02:30""#])
        let d = ISO8601DateFormatter()
        let scheduler = try f.context().digestScheduler()
        #expect(try scheduler.tick(now: try #require(d.date(from: "2027-03-27T02:00:00Z"))) == "2027-03-27")
        #expect(try scheduler.tick(now: try #require(d.date(from: "2027-03-28T00:59:59Z"))) == nil)
        #expect(try scheduler.tick(now: try #require(d.date(from: "2027-03-28T01:00:00Z"))) == "2027-03-28")
        // 02:30 exists twice on 2027-10-31: the first one serves, the second finds it served.
        #expect(try scheduler.tick(now: try #require(d.date(from: "2027-10-31T00:30:00Z"))) == "2027-10-31")
        #expect(try scheduler.tick(now: try #require(d.date(from: "2027-10-31T01:30:00Z"))) == nil)
    }

    @Test func sendIsOncePerPeriodAndRecipient() throws {
        let f = try DigestFixture(digest: ["schedule": #""08:00""#])
        try f.seedDay()
        let service = try f.context().digestService()
        let first = try service.send(now: DigestFixture.now)
        #expect(first.period == "2026-12-02" && first.enqueued == 2 && first.already == 0)
        #expect(try service.send(now: DigestFixture.now + 60).enqueued == 0)
        // The scheduler finds the period served by the manual send.
        #expect(try f.context().digestScheduler().tick(now: DigestFixture.now + 120) == nil)
        // A copy to another address, once too.
        #expect(try service.send(to: ["copie@example.org"], now: DigestFixture.now).enqueued == 1)
        #expect(try service.send(to: ["copie@example.org"], now: DigestFixture.now).enqueued == 0)
        #expect(throws: ConfigError.self) { try service.send(to: ["pas une adresse"], now: DigestFixture.now) }
        #expect(try outboxKeys(f).count == 3)
        // What is enqueued is the digest, with no identity in its bytes.
        let messages = try DatabaseQueue(path: f.store.path).read { db in
            try Data.fetchAll(db, sql: "SELECT message FROM outbox WHERE kind = 'digest'")
        }
        for m in messages { DigestFixture.expectNoIdentity(decodedBody(m), "an enqueued digest") }
    }

    @Test func alertsOnceAtTheThreshold() throws {
        let f = try DigestFixture(digest: ["alert_window_hours": "24"])
        let t = DigestFixture.t0
        try f.report("alice@exemple.fr", name: "Alice Martin", url: DigestFixture.tweetA, at: t - 30 * 3600)
        try f.report("bob.durand@exemple.fr", name: "Bob Durand", url: DigestFixture.tweetA, at: t)
        try f.report("carol@exemple.fr", name: "Carol", url: DigestFixture.tweetA, at: t + 3600)
        let alerts = try #require(try f.context().alertCheck())
        // Two reporters within 24 h (Alice's report is older): below the threshold of 3.
        #expect(try alerts.run(now: t + 2 * 3600).isEmpty)
        try f.report("dave@exemple.fr", name: "Dave", url: DigestFixture.tweetA, at: t + 2 * 3600)
        let id = try f.clusterID(DigestFixture.tweetA)
        #expect(try alerts.run(now: t + 3 * 3600) == [id])
        #expect(try alerts.run(now: t + 4 * 3600).isEmpty)
        try f.report("erin.moreau@perso.fr", name: "Erin", url: DigestFixture.tweetA, at: t + 5 * 3600)
        #expect(try f.context().alertCheck()?.run(now: t + 6 * 3600).isEmpty == true)
        #expect(
            try outboxKeys(f) == [
                "alert:cluster:\(id):equipe@example.org",
                "alert:cluster:\(id):moderation@example.org",
            ])
        let messages = try DatabaseQueue(path: f.store.path).read { db in
            try Data.fetchAll(db, sql: "SELECT message FROM outbox")
        }
        try messages.first?.write(to: URL(fileURLWithPath: NSTemporaryDirectory() + "vigie-alert-sample.eml"))
        for m in messages {
            let body = decodedBody(m)
            #expect(body.contains("3 personnes distinctes"), "\(body)")
            #expect(body.contains("(3 nouvelles en moins de 24 h)"), "\(body)")
            DigestFixture.expectNoIdentity(body, "an alert")
        }
        // Off when alert_reporters = 0.
        try f.folder.set("queues/digest.toml", "alert_reporters", "0")
        #expect(try f.context().alertCheck() == nil)
    }

    @Test func dryRunPrintsTheTextAndWritesTheHTML() throws {
        let f = try DigestFixture()
        try f.seedDay()
        let html = f.folder.dir + "/digest.html"
        let r = try VigieCLI.run(["digest", "send", "--dry-run", "--html", html, "--config", f.folder.config])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("Subject: Vigie · signalements du "))
        #expect(r.stdout.contains("CE QUI S'EST PASSÉ"))
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("Récapitulatif des signalements"))
        #expect(try outboxKeys(f).isEmpty)
        let bad = try VigieCLI.run(["digest", "send", "--to", "nope", "--config", f.folder.config])
        #expect(bad.status != 0 && bad.stderr.contains("--to \"nope\" is not an e-mail address"), "\(bad.stderr)")
        let sent = try VigieCLI.run(["digest", "send", "--config", f.folder.config])
        #expect(sent.status == 0 && sent.stdout.contains(": 2 enqueued"), "\(sent.stdout) \(sent.stderr)")
    }

    func outboxKeys(_ f: DigestFixture) throws -> [String] {
        try DatabaseQueue(path: f.store.path).read { db in
            try String.fetchAll(db, sql: "SELECT dedupe_key FROM outbox ORDER BY dedupe_key")
        }
    }

    /// The message with its quoted-printable parts decoded (soft breaks joined), enough to search it.
    func decodedBody(_ m: Data) -> String {
        let s = String(decoding: m, as: UTF8.self).replacingOccurrences(of: "=\r\n", with: "")
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "="), it.count >= 2,
                let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

@Suite struct DigestConfigTests {
    /// Each bad value is refused at load time in one line naming the file and the key.
    @Test(arguments: [
        ("queues/digest.toml", "schedule", #""8h""#, "schedule must be a time of day \"HH:MM\""),
        ("queues/digest.toml", "schedule", #""24:00""#, "schedule must be a time of day"),
        ("queues/digest.toml", "timezone", #""Mars/Olympus""#, "timezone \"Mars/Olympus\" is not a known time zone"),
        ("queues/digest.toml", "to", "[]", "to is empty"),
        ("queues/digest.toml", "to", #"["pas une adresse"]"#, "to must be one address"),
        ("queues/digest.toml", "alert_reporters", "-1", "key \"alert_reporters\""),
    ])
    func badDigestValuesAreRefused(file: String, key: String, value: String, mention: String) throws {
        let f = try ConfigCheckTests.Folder()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        try f.set("queues/digest.toml", "enabled", "true")
        try f.set(file, key, value)
        #expect {
            try f.check()
        } throws: { error in
            let text = "\(error)"
            return text.contains("digest.toml") && text.contains(mention) && !text.contains("\n")
        }
    }

    @Test func publicURLMustBeHTTP() throws {
        let f = try ConfigCheckTests.Folder()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let toml = try String(contentsOfFile: f.config, encoding: .utf8)
            .replacingOccurrences(of: "# public_url = ", with: "public_url = \"ftp://vigie.example.org\" # ")
        try toml.write(toFile: f.config, atomically: true, encoding: .utf8)
        #expect { try f.check() } throws: { "\($0)".contains("[http] public_url must be the https:// address") }
    }
}
