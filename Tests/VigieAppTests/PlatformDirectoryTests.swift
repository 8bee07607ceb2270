import Foundation
import Testing
import VigieCore

@testable import VigieApp

/// `platforms.toml`: the shipped file loads with every platform, and each mistake is one line naming file, table and
/// key.
@Suite struct PlatformDirectoryTests {
    @Test func theShippedFileHasEveryPlatform() throws {
        let shipped = try #require(DefaultFiles.all.first { $0.path == "platforms.toml" }?.content)
        let d = try PlatformDirectory.parse(shipped, file: "platforms.toml")
        #expect(d.all.map(\.platform) == Platform.allCases)
        #expect(d.entry(for: .youtube)?.check == .oembed)
        #expect(d.entry(for: .youtube)?.oembedEndpoint?.contains("{url}") == true)
        #expect(d.entry(for: .web)?.noticeFormURL != nil)
    }

    @Test func aCompleteEntryReadsBack() throws {
        let d = try PlatformDirectory.parse(
            """
            [web]
            name = "Site web"
            notice_form_url = "https://www.internet-signalement.gouv.fr/"
            [x]
            name = "X"
            notice_email = "DSA@X.example"
            check = "oembed"
            oembed_endpoint = "https://publish.twitter.com/oembed?url={url}"
            login_wall_hosts = ["X.com"]
            removed_final_hosts = ["help.x.com"]
            """, file: "p.toml")
        let x = try #require(d.entry(for: .x))
        #expect(x.noticeEmail == "DSA@x.example")
        #expect(x.loginWallHosts == ["x.com"])
        #expect(x.removedFinalHosts == ["help.x.com"])
        #expect(d.entry(for: .youtube) == nil)
    }

    /// The rechecks read the file: its method and endpoint replace the built-in rule's, its host lists add to it,
    /// and a platform without a table keeps the built-in rule.
    @Test func theFileTunesTheRecheckRules() throws {
        let d = try PlatformDirectory.parse(
            Self.web + """
                [youtube]
                name = "YouTube"
                notice_form_url = "https://support.google.com/legal"
                check = "http"
                removed_final_hosts = ["www.youtube.com/removed"]
                [x]
                name = "X"
                notice_form_url = "https://help.x.com/forms"
                check = "oembed"
                oembed_endpoint = "https://oembed.example/x?url={url}"
                login_wall_hosts = ["x.com/account/access", "x.com/login"]
                """, file: "p.toml")
        let youtube = PlatformCheckRule.builtIn(for: .youtube).overridden(by: try #require(d.entry(for: .youtube)))
        #expect(youtube.method == .http)
        #expect(youtube.removedFinalHosts.contains("www.youtube.com/removed"))
        let builtInX = PlatformCheckRule.builtIn(for: .x)
        let x = builtInX.overridden(by: try #require(d.entry(for: .x)))
        #expect(x.method == .oembed && x.oembedEndpoint == "https://oembed.example/x?url={url}")
        #expect(x.loginWallHosts == builtInX.loginWallHosts + ["x.com/account/access"], "added once")
        #expect(d.entry(for: .tiktok) == nil)
    }

    static let web = "[web]\nname = \"Site web\"\nnotice_form_url = \"https://example.org/form\"\n"

    @Test(arguments: [
        ("[myspace]\nname = \"M\"\nnotice_email = \"a@b.fr\"\n" + web, "[myspace] is no platform"),
        ("[x]\nname = \"X\"\n" + web, "[x] needs notice_email or notice_form_url"),
        ("[x]\nname = \"X\"\nnotice_email = \"not an address\"\n" + web, "[x] notice_email: must be a bare address"),
        ("[x]\nname = \"X\"\nnotice_form_url = \"ftp://x.com/f\"\n" + web, "[x] notice_form_url: must be an https://"),
        ("[x]\nname = \"X\"\nnotice_email = \"a@b.fr\"\ncheck = \"ping\"\n" + web, "[x] check: must be \"http\" or"),
        ("[x]\nname = \"X\"\nnotice_email = \"a@b.fr\"\ncheck = \"oembed\"\n" + web, "oembed_endpoint is missing"),
        (
            "[x]\nname = \"X\"\nnotice_email = \"a@b.fr\"\noembed_endpoint = \"https://x.com/oembed\"\n" + web,
            "[x] oembed_endpoint: must be an https:// address with {url}"
        ),
        (
            "[x]\nname = \"X\"\nnotice_email = \"a@b.fr\"\nlogin_wall_hosts = [\"https://x.com/login\"]\n" + web,
            "[x] login_wall_hosts: must list host names, or a host and a path prefix"
        ),
        ("[x]\nname = \"X\"\nnotice_email = \"a@b.fr\"\ncolour = \"blue\"\n" + web, "colour"),
        ("[x]\nname = \"X\"\nnotice_email = \"a@b.fr\"\n", "no [web] table"),
        ("[x]\nnotice_email = \"a@b.fr\"\n" + web, "name"),
    ])
    func aMistakeIsOneLineNamingTheTableAndKey(text: String, expected: String) {
        do {
            _ = try PlatformDirectory.parse(text, file: "platforms.toml")
            Issue.record("accepted: \(text)")
        } catch {
            let message = "\(error)"
            #expect(message.contains("platforms.toml"), "\(message)")
            #expect(message.contains(expected), "\(message)")
            #expect(!message.contains("\n"), "\(message)")
        }
    }
}
