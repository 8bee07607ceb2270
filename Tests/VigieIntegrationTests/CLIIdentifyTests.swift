import Foundation
import Testing

/// `vigie clusters identify` with the `[clusters] redirect_wrappers` of vigie.toml, and the checks on that key.
@Suite struct CLIIdentifyTests {
    /// A `vigie init` folder whose `redirect_wrappers` line is `value`; returns the config path.
    private static func config(redirectWrappers value: String) throws -> String {
        let path = try VigieCLI.initConfig(user: "identify")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("redirect_wrappers = []"))
        try text.replacingOccurrences(of: "redirect_wrappers = []", with: "redirect_wrappers = " + value)
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func configuredWrapperIsUnwrapped() throws {
        let config = try Self.config(redirectWrappers: #"[{ host = "*.links.example.org", param = "target" }]"#)
        defer { try? FileManager.default.removeItem(atPath: (config as NSString).deletingLastPathComponent) }
        let urls = [
            "https://eu.links.example.org/c?id=9&target=https%3A%2F%2Ftwitter.com%2FSomeUser%2Fstatus%2F42",
            "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fx.com%2FSomeUser%2Fstatus%2F42&data=05",
            "https://web.facebook.com/",
        ]
        let r = try VigieCLI.run(["clusters", "identify"] + urls, config: config)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "x:status:42\tx:account:someuser\t" + urls[0],
                "x:status:42\tx:account:someuser\t" + urls[1],
                "-\t-\t" + urls[2],
            ])
    }

    @Test(arguments: [
        (#"[{ host = "links example.org", param = "target" }]"#, "host \"links example.org\" is not a host name"),
        (#"[{ host = "links.example.org", param = "" }]"#, "param \"\" is not a query parameter name"),
        (#"[{ host = "links.example.org", param = "u", path = "go" }]"#, "path \"go\" must start with /"),
        (#"[{ host = "links.example.org" }]"#, "param"),
        (#"[{ host = "links.example.org", param = "u", prm = "x" }]"#, "unknown key"),
        (#"["links.example.org"]"#, "redirect_wrappers"),
    ])
    func invalidWrapperIsRefused(_ entry: (String, String)) throws {
        let config = try Self.config(redirectWrappers: entry.0)
        defer { try? FileManager.default.removeItem(atPath: (config as NSString).deletingLastPathComponent) }
        let r = try VigieCLI.run(["clusters", "identify", "https://example.com/a"], config: config)
        #expect(r.status != 0)
        #expect(r.stderr.contains(entry.1), "\(r.stderr)")
        #expect(r.stderr.contains("vigie.toml"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func unknownPlatformIsRefused() throws {
        let config = try Self.config(redirectWrappers: "[]")
        defer { try? FileManager.default.removeItem(atPath: (config as NSString).deletingLastPathComponent) }
        let r = try VigieCLI.run(["clusters", "list", "--platform", "myspace"], config: config)
        #expect(r.status != 0)
        #expect(r.stderr.contains("unknown platform \"myspace\""), "\(r.stderr)")
        #expect(r.stderr.contains("bluesky"), "\(r.stderr)")
    }
}
