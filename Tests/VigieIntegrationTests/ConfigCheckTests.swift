import Foundation
import Logging
import Testing
import VigieApp
import VigieCore

/// `config check` refuses, at load time, every value a command would refuse later (issue 7 §5).
@Suite struct ConfigCheckTests {
    static let environment = ["VIGIE_NEWSLETTER_SECRET": "s3cret-0123456789", "VIGIE_IMAP_PASSWORD": "p"]

    /// A `vigie init` folder, checked as `config check` checks it: load with secrets, then resolve the outbound queues.
    struct Folder {
        let dir: String
        var config: String { dir + "/vigie.toml" }

        init() throws {
            dir = NSTemporaryDirectory() + "vigie-check-" + UUID().uuidString
            _ = try Scaffold.write(into: dir, overwrite: false)
        }

        /// Replaces `key = …` in `file` (relative to the folder), or removes the line when `value` is nil, or appends.
        func set(_ file: String, _ key: String, _ value: String?) throws {
            let path = dir + "/" + file
            var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
            let at = lines.firstIndex { $0.hasPrefix(key + " ") || $0.hasPrefix(key + "=") }
            switch (at, value) {
            case (let i?, let v?): lines[i] = "\(key) = \(v)"
            case (let i?, nil): lines.remove(at: i)
            case (nil, let v?): lines.append("\(key) = \(v)")
            case (nil, nil): break
            }
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }

        func check() throws {
            let config = try ConfigLoader.load(path: config, environment: ConfigCheckTests.environment)
            let queues = try ConfigLoader.loadQueues(
                dir: config.queuesDir, requireSecrets: true,
                environment: ConfigCheckTests.environment)
            try AppContext(config: config, queues: queues, logger: Logger(label: "test"))
                .checkSecrets(environment: ConfigCheckTests.environment)
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        var file: String
        var key: String
        var value: String?
        /// What the one-line error must name (nil: the value is accepted).
        var mention: String?
        var description: String { "\(file) \(key) = \(value ?? "(removed)")" }
    }

    static let n = "queues/newsletter.toml"
    static let r = "queues/reports.toml"

    @Test(arguments: [
        Case(
            file: n, key: "unsubscribe_url_base", value: #""http://www.example.org/u/""#,
            mention: "unsubscribe_url_base"),
        Case(
            file: n, key: "unsubscribe_url_base", value: #""ftp://www.example.org/u/""#, mention: "unsubscribe_url_base"
        ),
        Case(file: n, key: "unsubscribe_url_base", value: nil, mention: "unsubscribe_url_base"),
        Case(file: n, key: "unsubscribe_url_base", value: #""http://127.0.0.1:8080/u/""#, mention: nil),
        Case(file: n, key: "unsubscribe_url_base", value: #""http://localhost/u/""#, mention: nil),
        Case(
            file: n, key: "unsubscribe_url_base", value: #""http://127.0.0.1.evil.example/u/""#,
            mention: "unsubscribe_url_base"),
        Case(file: n, key: "unsubscribe_url_base", value: #""https://www.example.org:70000/u/""#, mention: "65535"),
        Case(file: n, key: "return_path", value: #""bounces""#, mention: "return_path"),
        Case(
            file: n, key: "return_path", value: #""bounces@example.org\r\nBcc: x@evil.example""#,
            mention: "return_path"),
        Case(
            file: n, key: "unsubscribe_mailto", value: #""desinscription@example.org\nBcc: x@evil.example""#,
            mention: "unsubscribe_mailto"),
        Case(file: n, key: "from", value: #""La lettre <lettre@example.org>\r\nBcc: x@evil.example""#, mention: "from"),
        Case(
            file: "vigie.toml", key: "from", value: #""La lettre\r\nBcc: x@evil.example <lettre@example.org>""#,
            mention: "[smtp] from"),
        Case(file: n, key: "list_id", value: #""lettre.example.org""#, mention: "list_id"),
        Case(file: n, key: "list_id", value: #""La lettre <lettre>""#, mention: "RFC 2919"),
        Case(file: n, key: "list_id", value: #""La lettre <lettre.example.org>""#, mention: nil),
        Case(
            file: n, key: "secret_env", value: #""VIGIE_UNSET_SECRET_FOR_TESTS""#,
            mention: "VIGIE_UNSET_SECRET_FOR_TESTS"),
        Case(file: n, key: "secret_env", value: nil, mention: "secret_env or secret_file"),
        Case(file: n, key: "smtp_url", value: #""smtp://""#, mention: "smtp_url"),
        Case(file: n, key: "smtp_url", value: #""smtp://127.0.0.1:99999""#, mention: "outside 1–65535"),
        Case(file: n, key: "smtp_url", value: #""smtp://127.0.0.1:0""#, mention: "outside 1–65535"),
        Case(file: "vigie.toml", key: "url", value: #""smtp://127.0.0.1:99999""#, mention: "outside 1–65535"),
        Case(file: "vigie.toml", key: "url", value: #""smtp://""#, mention: "\"url\""),
        Case(file: r, key: "url", value: #""imap://127.0.0.1:65536""#, mention: "outside 1–65535"),
        Case(file: r, key: "mailbox", value: #""""#, mention: "mailbox"),
        Case(file: "vigie.toml", key: "path", value: #""""#, mention: "[database] path"),
        Case(file: "vigie.toml", key: "templates", value: #""no-such-folder""#, mention: "templates folder"),
    ])
    func refusedAtLoadWithOneLine(c: Case) throws {
        let f = try Folder()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        try f.check()  // the scaffold itself passes
        try f.set(c.file, c.key, c.value)
        do {
            try f.check()
            #expect(c.mention == nil, "accepted \(c)")
        } catch {
            let text = "\(error)"
            guard let mention = c.mention else {
                Issue.record("refused \(c): \(text)")
                return
            }
            #expect(text.contains(mention), "\(text)")
            #expect(text.contains(c.file.split(separator: "/").last.map(String.init) ?? c.file), "\(text)")
            #expect(!text.contains("\n") && !text.contains("\r"), "\(text)")
        }
    }

    /// Secret and password files: missing or empty is refused, naming the file.
    @Test(arguments: [("secret_file", "missing"), ("secret_file", "empty"), ("password_file", "empty")])
    func secretFilesMustHoldASecret(key: String, state: String) throws {
        let f = try Folder()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let secret = f.dir + "/secret.txt"
        if state == "empty" { try "\n".write(toFile: secret, atomically: true, encoding: .utf8) }
        if key == "secret_file" {
            try f.set(Self.n, "secret_env", nil)
            try f.set(Self.n, "secret_file", "\"\(secret)\"")
        } else {
            try f.set(Self.r, "password_env", nil)
            try f.set(Self.r, "password_file", "\"\(secret)\"")
        }
        #expect {
            try f.check()
        } throws: { error in
            let text = "\(error)"
            return text.contains(key) && text.contains(secret)
                && text.contains(state == "empty" ? "is empty" : "cannot be read")
        }
    }
}
