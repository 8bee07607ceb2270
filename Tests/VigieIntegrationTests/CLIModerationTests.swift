import Foundation
import Testing
import VigieCore
import VigieStore

@Suite(.serialized) struct CLIModerationTests {
    /// A config folder whose database already holds clustered reports.
    func seeded() throws -> (config: String, clusterID: Int64) {
        let config = try VigieCLI.initConfig(user: "nobody")
        let db = (config as NSString).deletingLastPathComponent + "/var/vigie.sqlite"
        let store = try Store(path: db)
        _ = try storeReports(
            store,
            [
                ("a@x.fr", "https://x.com/troll/status/1790000000000000001?s=20"),
                ("b@x.fr", "https://twitter.com/troll/status/1790000000000000001"),
                ("c@x.fr", "https://x.com/troll/status/1790000000000000001"),
            ])
        let rebuild = try VigieCLI.run(["clusters", "rebuild"], config: config)
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        let id = try #require(try store.clusters().first?.id)
        return (config, id)
    }

    @Test func qualifyNotifyAndTrackWithAnAuditTrail() throws {
        let (config, id) = try seeded()
        let cid = String(id)
        // No notice before qualification.
        let early = try VigieCLI.run(["clusters", "notice", cid], config: config)
        #expect(early.status != 0)
        #expect(early.stderr.contains("not qualified"))
        // Unknown offence code and illegal transitions are refused with one clear line.
        let unknown = try VigieCLI.run(["clusters", "qualify", cid, "blasphemie"], config: config)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown offence \"blasphemie\""))
        let jump = try VigieCLI.run(["clusters", "mark", cid, "removed"], config: config)
        #expect(jump.status != 0)
        #expect(jump.stderr.contains("cannot go from new to removed"))

        let q = try VigieCLI.run(
            [
                "clusters", "qualify", cid, "provocation-haine-raciale", "--note",
                "Appel explicite à la violence contre un groupe religieux.", "--by", "alice",
            ],
            config: config)
        #expect(q.status == 0, "\(q.stderr)")
        let notice = try VigieCLI.run(["clusters", "notice", cid], config: config)
        #expect(notice.status == 0, "\(notice.stderr)")
        for expected in [
            "https://x.com/troll/status/1790000000000000001?s=20",  // exact URLs as reported
            "https://twitter.com/troll/status/1790000000000000001",
            "Provocation à la discrimination, à la haine ou à la violence",
            "Loi du 29 juillet 1881, art. 24 al. 7",  // the legal reference
            "Appel explicite à la violence",  // the substantiated explanation
            "3 personnes distinctes",  // distinct reporters
            "de bonne foi",  // statement of good faith
            "signalements@example.org",  // the notifier's address
            "article 16",
        ] {
            #expect(notice.stdout.contains(expected), "notice lacks \(expected)")
        }
        #expect(!notice.stdout.contains("a@x.fr"), "a reporter's address leaked into the notice")

        #expect(
            try VigieCLI.run(
                [
                    "clusters", "mark", cid, "notified", "--platform-ref", "X-2026-77", "--channel",
                    "formulaire DSA", "--by", "bob",
                ], config: config
            ).status == 0)
        #expect(try VigieCLI.run(["clusters", "mark", cid, "online", "--by", "bob"], config: config).status == 0)
        #expect(try VigieCLI.run(["clusters", "mark", cid, "removed", "--by", "bob"], config: config).status == 0)

        let show = try VigieCLI.run(["clusters", "show", cid, "--json"], config: config)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(obj["status"] as? String == "removed")
        #expect(obj["offence"] as? String == "provocation-haine-raciale")
        let events = try #require(obj["events"] as? [[String: Any]])
        #expect(events.map { $0["to"] as? String } == ["qualified", "notified", "online", "removed"])
        #expect(events.map { $0["author"] as? String } == ["alice", "bob", "bob", "bob"])
        let reports = try #require(obj["report_list"] as? [[String: Any]])
        #expect(reports.count == 3)
        #expect(reports.allSatisfy { $0["reporter"] == nil || $0["reporter"] is NSNull })
        let withReporters = try VigieCLI.run(["clusters", "show", cid, "--reporters"], config: config)
        #expect(withReporters.stdout.contains("a@x.fr"))
    }

    @Test func listFiltersAndJSONContract() throws {
        let (config, _) = try seeded()
        let list = try VigieCLI.run(
            ["clusters", "list", "--json", "--platform", "x", "--status", "new"], config: config)
        #expect(list.status == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1)
        for key in [
            "id", "key", "platform", "urls", "reports", "reporters", "priority", "status", "offence",
            "first_reported", "last_reported", "account",
        ] {
            #expect(rows[0].keys.contains(key), "missing \(key)")
        }
        #expect(rows[0]["account"] as? String == "x:account:troll")
        let none = try VigieCLI.run(["clusters", "list", "--json", "--platform", "youtube"], config: config)
        #expect(none.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]" || none.stdout.contains("[]"))
        let accounts = try VigieCLI.run(["accounts", "list", "--json"], config: config)
        #expect(accounts.stdout.contains("x:account:troll"))
    }
}
