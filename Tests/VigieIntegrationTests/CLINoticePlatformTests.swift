import Foundation
import Testing
import VigieCore
import VigieStore

/// The platform notice names each platform by its rule's display name, wrapped links included.
@Suite struct CLINoticePlatformTests {
    @Test func noticeNamesThePlatformOfTheContent() throws {
        let config = try VigieCLI.initConfig(user: "nobody")
        defer { try? FileManager.default.removeItem(atPath: (config as NSString).deletingLastPathComponent) }
        let store = try Store(path: (config as NSString).deletingLastPathComponent + "/var/vigie.sqlite")
        let cases: [(url: String, platform: Platform, name: String)] = [
            ("https://bsky.app/profile/troll.bsky.social/post/3kabcdefghi2x", .bluesky, "Bluesky"),
            ("https://truthsocial.com/@troll/posts/112233445566778899", .truthsocial, "Truth Social"),
            (
                "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fdiscord.gg%2FAbCdEf12&data=05",
                .discord, "Discord"
            ),
            ("https://vk.com/wall-12345_678", .vk, "VK (VKontakte)"),
            ("https://site-haineux.example/", .web, "site web"),
        ]
        _ = try storeReports(store, cases.map { ("a@x.fr", $0.url) })
        let rebuild = try VigieCLI.run(["clusters", "rebuild"], config: config)
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        for c in cases {
            let cluster = try #require(try store.clusters(platform: c.platform).first, "\(c.platform)")
            let cid = String(cluster.id)
            let q = try VigieCLI.run(
                ["clusters", "qualify", cid, "provocation-haine-raciale", "--by", "alice"],
                config: config)
            #expect(q.status == 0, "\(q.stderr)")
            let notice = try VigieCLI.run(["clusters", "notice", cid], config: config)
            #expect(notice.status == 0, "\(notice.stderr)")
            #expect(notice.stdout.contains("Plateforme : \(c.name)\n"), "\(c.platform): \(notice.stdout)")
            #expect(notice.stdout.contains(c.url), "the URL as reported")
        }
    }
}
