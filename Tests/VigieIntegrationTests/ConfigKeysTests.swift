import Foundation
import Testing
import VigieApp
import VigieCore

/// Each key is declared once (issue 8 §3): the README's tables, the shipped files and the settings follow the
/// declarations in `QueueKeys` and `MainKeys`.
@Suite struct ConfigKeysTests {
    static let root = LocalServers.repoRoot.path

    /// The README's key tables are exactly `vigie config keys --markdown`.
    @Test func readmeTablesAreTheGeneratedOnes() throws {
        let generated =
            ConfigKeyTable.markdown(ConfigKeyTable.mainGroups) + "\n"
            + ConfigKeyTable.markdown(ConfigKeyTable.queueGroups)
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        let begin = try #require(readme.range(of: "<!-- keys:begin (generated: vigie config keys --markdown) -->\n"))
        let end = try #require(readme.range(of: "<!-- keys:end -->"))
        #expect(
            String(readme[begin.upperBound..<end.lowerBound]) == generated,
            "README.md's key tables differ: paste `vigie config keys --markdown` between the keys markers")
        let cli = try VigieCLI.run(["config", "keys", "--markdown"])
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(cli.stdout == generated)
        for kind in QueueKeys.kinds {
            for key in QueueKeys.keys(for: kind) where key.name != "kind" {
                #expect(generated.contains("| `\(key.name)` |"))
            }
        }
        let text = try VigieCLI.run(["config", "keys"])
        #expect(text.status == 0 && text.stdout.contains("connections = 4 "), "\(text.stdout)")
    }

    /// A shipped file (what `vigie init` writes) shows every declared key but the secrets, set or commented; a
    /// commented key shows the declared default, so the files cannot drift from the declarations again.
    @Test(arguments: [
        "queues/reports.toml", "queues/subscriptions.toml", "queues/newsletter.toml",
        "queues/digest.toml", "queues/acknowledgements.toml", "deploy/vigie.example.toml",
    ])
    func shippedFilesShowEveryKeyWithItsDefault(file: String) throws {
        let text = try String(contentsOfFile: Self.root + "/" + file, encoding: .utf8)
        let declared: [String: [ConfigKey]]
        if file.hasPrefix("queues/") {
            let kind = try #require(try TOML.parse(text)["kind"]?.stringValue)
            declared = ["": QueueKeys.keys(for: kind)]
        } else {
            declared = Dictionary(uniqueKeysWithValues: MainKeys.sections.map { ($0.name, $0.keys) })
        }
        var section = ""
        var seen: [String: Set<String>] = [:]
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
                section = String(line[line.index(after: line.startIndex)..<close])
                continue
            }
            let commented = line.hasPrefix("#")
            let body = commented ? String(line.dropFirst()).trimmingCharacters(in: .whitespaces) : line
            guard let table = try? TOML.parse(body), let name = table.keys.first, table.keys.count == 1,
                let key = declared[section]?.first(where: { $0.name == name }), let value = table[name]
            else {
                #expect(commented || line.isEmpty, "\(file): undeclared key in \(SafeText.quoted(raw))")
                continue
            }
            seen[section, default: []].insert(name)
            if commented, let expected = key.defaultText {
                let shown = ConfigKey.render(value) ?? "?"
                #expect(shown == expected, "\(file): \(name) is commented with \(shown), its default is \(expected)")
            }
        }
        for (section, keys) in declared {
            for key in keys where !key.secret {
                #expect(
                    seen[section, default: []].contains(key.name),
                    "\(file): \(section.isEmpty ? "" : "[\(section)] ")\(key.name) is declared but not shown")
            }
        }
    }

    /// A queue file states only what it changes: the dispatch keys it leaves out take `DispatchSettings()`'s values,
    /// the ones it states (the former dead decoder's `jitter` and `retry_max_seconds` included) are read.
    @Test func aQueueFileStatesOnlyWhatItChanges() throws {
        let f = try ConfigCheckTests.Folder()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        try """
        kind = "newsletter"
        unsubscribe_url_base = "https://www.example.org/u/"
        secret_env = "VIGIE_NEWSLETTER_SECRET"
        connections = 2
        jitter = 0.5
        retry_max_seconds = 600
        """.write(toFile: f.dir + "/queues/newsletter.toml", atomically: true, encoding: .utf8)
        let settings = try Self.newsletter(f)
        var expected = DispatchSettings()
        expected.connections = 2
        expected.jitter = 0.5
        expected.retryMaxSeconds = 600
        #expect(settings.dispatch == expected)
        #expect(settings.smtp.timeoutSeconds == 60)

        // Left out, the retry ceiling is raised to a first retry above it, as before.
        try f.set(ConfigCheckTests.n, "retry_max_seconds", nil)
        try f.set(ConfigCheckTests.n, "retry_base_seconds", "86400")
        #expect(try Self.newsletter(f).dispatch.retryMaxSeconds == 86_400)
    }

    struct Bad: Sendable, CustomStringConvertible {
        var file: String
        var key: String
        var value: String
        var mention: String
        var description: String { "\(file) \(key) = \(value)" }
    }

    /// Every declared type and range is checked when the file loads, naming the file, the line and the key.
    @Test(arguments: [
        Bad(file: ConfigCheckTests.n, key: "jitter", value: "2", mention: "key \"jitter\" must be between 0 and 1"),
        Bad(
            file: ConfigCheckTests.n, key: "connections", value: "0",
            mention: "key \"connections\" must be between 1 and 64"),
        Bad(file: ConfigCheckTests.n, key: "retry_max_seconds", value: "10", mention: "retry_max_seconds"),
        Bad(file: ConfigCheckTests.n, key: "jiter", value: "0.1", mention: "did you mean \"jitter\""),
        Bad(file: ConfigCheckTests.r, key: "timeout_seconds", value: "0", mention: "key \"timeout_seconds\""),
        Bad(file: ConfigCheckTests.r, key: "idle", value: "\"yes\"", mention: "key \"idle\" must be true or false"),
        Bad(file: "queues/digest.toml", key: "top", value: "\"ten\"", mention: "key \"top\" must be an integer"),
        Bad(
            file: "queues/acknowledgements.toml", key: "min_interval_hours", value: "-1",
            mention: "key \"min_interval_hours\""),
        Bad(file: "vigie.toml", key: "weight_velocity", value: "-1", mention: "key \"weight_velocity\""),
        Bad(file: "vigie.toml", key: "resolve_short_links", value: "1", mention: "key \"resolve_short_links\""),
    ])
    func declaredTypesAndRangesAreCheckedAtLoad(bad: Bad) throws {
        let f = try ConfigCheckTests.Folder()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        try f.set(bad.file, bad.key, bad.value)
        #expect {
            try f.check()
        } throws: { error in
            let text = "\(error)"
            let named = text.contains((bad.file as NSString).lastPathComponent) && text.contains(bad.mention)
            let located = text.contains("line ") || bad.key == "retry_max_seconds"
            return named && located && !text.contains("\n")
        }
    }

    static func newsletter(_ f: ConfigCheckTests.Folder) throws -> NewsletterSettings {
        let config = try ConfigLoader.load(path: f.config, environment: ConfigCheckTests.environment)
        let q = try ConfigLoader.loadQueue(
            path: f.dir + "/" + ConfigCheckTests.n,
            environment: ConfigCheckTests.environment)
        guard case .outbound(let o) = q else { throw ConfigError("not an outbound queue") }
        return try NewsletterSettings.from(o, config: config, environment: ConfigCheckTests.environment)
    }
}
