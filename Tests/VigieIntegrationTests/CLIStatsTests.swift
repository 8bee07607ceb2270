import Foundation
import GRDB
import Testing
import VigieCore

@testable import VigieStore

/// `vigie stats platforms` on a generated history with known answers (clusters and their audit trail written
/// straight into the database).
@Suite struct CLIStatsTests {
    static let day = 86_400.0

    /// 2026-01-10 12:00 UTC and 2026-02-01 12:00 UTC.
    static let january = 1_768_046_400.0
    static let february = 1_769_947_200.0

    /// X: 4 notices on Jan 10, removed after 1, 3 and 40 days, one notified again on Jan 25 with no answer;
    /// YouTube: 2 notices on Feb 1, one removed after 12 h, one marked still online; one notice of December, outside.
    static func history(_ store: Store) throws {
        try store.pool.write { db in
            var id: Int64 = 0
            func cluster(
                _ platform: Platform, _ offence: String, notified: [Double], removedAfter: Double?,
                online: Bool = false
            ) throws {
                id += 1
                let status: ModerationStatus = removedAfter != nil ? .removed : online ? .online : .notified
                try db.execute(
                    sql: """
                        INSERT INTO clusters (id, key, platform, kind, canonical_url, reports, reporters, status, offence,
                            notified_at) VALUES (?, ?, ?, 'post', ?, 1, 1, ?, ?, ?)
                        """,
                    arguments: [
                        id, "\(platform.rawValue):post:\(id)", platform, "https://example.org/\(id)", status, offence,
                        notified.last,
                    ])
                func event(_ at: Double, _ from: ModerationStatus, _ to: ModerationStatus) throws {
                    try db.execute(
                        sql: """
                            INSERT INTO cluster_events (cluster_id, at, author, from_status, to_status)
                            VALUES (?, ?, 'm', ?, ?)
                            """, arguments: [id, at, from, to])
                }
                try event(notified[0] - 3600, .new, .qualified)
                for (i, n) in notified.enumerated() { try event(n, i == 0 ? .qualified : .notified, .notified) }
                if let r = removedAfter { try event(notified[0] + r * day, .notified, .removed) }
                if online { try event(notified[0] + 8 * day, .notified, .online) }
            }
            try cluster(.x, "injure", notified: [january], removedAfter: 1)
            try cluster(.x, "injure", notified: [january], removedAfter: 3)
            try cluster(.x, "provocation-haine-raciale", notified: [january], removedAfter: 40)
            try cluster(.x, "provocation-haine-raciale", notified: [january, january + 15 * day], removedAfter: nil)
            try cluster(.youtube, "injure", notified: [february], removedAfter: 0.5)
            try cluster(.youtube, "injure", notified: [february], removedAfter: nil, online: true)
            try cluster(.x, "injure", notified: [january - 21 * day], removedAfter: 2)
        }
    }

    static func setUp() throws -> String {
        let config = try VigieCLI.initConfig(user: LocalServers.uniqueUser())
        let dir = (config as NSString).deletingLastPathComponent
        try history(try Store(path: dir + "/var/vigie.sqlite"))
        return config
    }

    static let period = ["--since", "2026-01-01", "--until", "2026-04-01"]

    @Test func jsonHasTheKnownAnswers() throws {
        let config = try Self.setUp()
        let r = try VigieCLI.run(["stats", "platforms", "--json"] + Self.period, config: config)
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let platforms = try #require(object["platforms"] as? [[String: Any]])
        #expect(platforms.count == 2)
        let x = try #require(platforms.first?["total"] as? [String: Any])
        #expect(x["platform"] as? String == "x")
        #expect(x["notices"] as? Int == 4 && x["removed"] as? Int == 3)
        #expect(x["removal_rate"] as? Double == 0.75)
        #expect(x["median_days"] as? Double == 3 && x["p90_days"] as? Double == 40)
        #expect(x["still_online_7d"] as? Int == 2 && x["still_online_30d"] as? Int == 2)
        #expect(x["eligible_7d"] as? Int == 4 && x["no_answer"] as? Int == 1)
        let offences = try #require(platforms.first?["offences"] as? [[String: Any]])
        #expect(Set(offences.compactMap { $0["offence"] as? String }) == ["injure", "provocation-haine-raciale"])
        let yt = try #require(platforms.last?["total"] as? [String: Any])
        #expect(yt["platform"] as? String == "youtube" && yt["notices"] as? Int == 2)
        #expect(yt["removal_rate"] as? Double == 0.5 && yt["median_days"] as? Double == 0.5)
        #expect(yt["still_online_7d"] as? Int == 1 && yt["no_answer"] as? Int == 0)

        // Without --since, December's notice counts too.
        let all = try VigieCLI.run(["stats", "platforms", "--json"], config: config)
        #expect(all.stdout.contains("\"notices\" : 5"), "\(all.stdout)")
    }

    @Test func csvAndHTML() throws {
        let config = try Self.setUp()
        let csv = try VigieCLI.run(["stats", "platforms", "--csv"] + Self.period, config: config)
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.components(separatedBy: "\r\n")
        #expect(lines[0].hasPrefix("platform,offence,notices,removed,removal_rate,median_days,p90_days,"))
        #expect(lines[1] == "x,,4,3,0.7500,3.0,40.0,2,4,2,4,1")
        #expect(lines.contains("youtube,,2,1,0.5000,0.5,0.5,1,2,1,2,0"))

        let dir = (config as NSString).deletingLastPathComponent
        let file = dir + "/bilan.html"
        let html = try VigieCLI.run(["stats", "platforms", "--html", file] + Self.period, config: config)
        #expect(html.status == 0, "\(html.stderr)")
        let page = try String(contentsOfFile: file, encoding: .utf8)
        #expect(page.contains("<html lang=\"fr\">") && page.contains("<svg") && page.contains("</svg>"))
        #expect(page.contains("75\u{a0}%") && page.contains("50\u{a0}%"))
        #expect(page.contains("du 1 janvier 2026 au 31 mars 2026"), "\(page.prefix(2000))")
        #expect(!page.contains("<script") && !page.contains("src=") && !page.contains("<link"))  // self-contained

        let text = try VigieCLI.run(["stats", "platforms"] + Self.period, config: config)
        #expect(text.stdout.contains("x ") && text.stdout.contains("75%"), "\(text.stdout)")
    }

    @Test(arguments: [
        (["--since", "hier"], "--since \"hier\" is not a date"),
        (["--since", "2026-05-01", "--until", "2026-04-01"], "--since must be before --until"),
        (["--json", "--csv"], "choose one of --json, --csv, --html FILE"),
    ])
    func badInputIsOneLine(args: [String], message: String) throws {
        let config = try Self.setUp()
        let r = try VigieCLI.run(["stats", "platforms"] + args, config: config)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }
}
