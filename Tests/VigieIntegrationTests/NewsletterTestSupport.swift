import Foundation

/// A configuration folder for newsletter tests: `vigie init`, then the newsletter queue pointed at `smtpURL`.
struct NewsletterFixture {
    let config: String
    let dir: String
    static let secret = "test-secret-0123456789abcdef0123456789"

    init(
        smtpURL: String, rate: Double = 0, connections: Int = 4, retryBase: Double = 0.2, maxAttempts: Int = 4,
        batchSize: Int = 500, pause: Double = 0, extraKeys: String = ""
    ) throws {
        config = try VigieCLI.initConfig(user: "nobody")
        dir = (config as NSString).deletingLastPathComponent
        try writeQueue(
            smtpURL: smtpURL, rate: rate, connections: connections, retryBase: retryBase,
            maxAttempts: maxAttempts, batchSize: batchSize, pause: pause, extraKeys: extraKeys)
    }

    /// (Re)writes the newsletter queue file: tests point the same configuration at another relay between runs.
    func writeQueue(
        smtpURL: String, rate: Double = 0, connections: Int = 4, retryBase: Double = 0.2,
        maxAttempts: Int = 4, batchSize: Int = 500, pause: Double = 0, extraKeys: String = ""
    ) throws {
        let queue = """
            kind = "newsletter"
            smtp_url = "\(smtpURL)"
            rate_per_second = \(rate)
            connections = \(connections)
            batch_size = \(batchSize)
            pause_between_batches_seconds = \(pause)
            max_messages_per_connection = 50
            max_attempts = \(maxAttempts)
            retry_base_seconds = \(retryBase)
            list_id = "La lettre <lettre.example.org>"
            unsubscribe_url_base = "https://www.example.org/u/"
            unsubscribe_mailto = "desinscription@example.org"
            return_path = "bounces@example.org"
            secret_env = "VIGIE_TEST_NEWSLETTER_SECRET"
            \(extraKeys)
            """
        try queue.write(toFile: dir + "/queues/newsletter.toml", atomically: true, encoding: .utf8)
    }

    var environment: [String: String] { ["VIGIE_TEST_NEWSLETTER_SECRET": Self.secret] }

    /// Runs vigie with this fixture's configuration and secret.
    @discardableResult
    func run(_ args: [String]) throws -> VigieCLI.Result {
        try VigieCLI.run(args, config: config, environment: environment)
    }

    /// Writes and imports `n` subscribers `s<i>@<domain>`; returns their addresses.
    func subscribe(_ n: Int, domain: String) throws -> [String] {
        var csv = "email,name,language\r\n"
        var out: [String] = []
        for i in 0..<n {
            let a = "s\(i)@\(domain)"
            out.append(a)
            csv += "\(a),\"Abonné·e \(i), dit « \(i) »\",fr\r\n"
        }
        let path = dir + "/subs.csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try run(["subscribers", "import", path])
        guard r.status == 0 else { throw LocalServers.CommandFailed(description: "import: \(r.stderr)") }
        return out
    }

    /// An edition file; returns its path.
    func edition(id: String) throws -> String {
        let text = """
            id = "\(id)"
            subject = "La lettre du 21 novembre : « Haine en ligne », où en est-on ?"
            date = 2026-11-21

            [[news]]
            kind = "communiqué"
            title = "Notre réaction au rapport annuel"
            summary = "L'institution salue les avancées et regrette l'absence de moyens pour la modération."
            url = "https://www.example.org/actualites/rapport-annuel"

            [[news]]
            kind = "événement"
            title = "Conférence : la haine en ligne et le droit"
            summary = "Le 3 décembre à Paris, entrée libre sur inscription."
            url = "https://www.example.org/agenda/conference"

            [[press]]
            title = "Online hate: what the DSA changed in a year"
            source = "The Guardian"
            url = "https://www.theguardian.com/technology/2026/nov/20/online-hate-dsa"
            language = "en"
            excerpt = "Platforms now answer faster, but transparency lags."

            [[press]]
            title = "Haine en ligne : les signalements citoyens en hausse"
            source = "Le Monde"
            url = "https://www.lemonde.fr/pixels/article/2026/11/20/haine-en-ligne.html"
            language = "fr"
            """
        let path = dir + "/edition-\(id).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// One transaction dumped by smtp-sink (`-d`): its envelope lines and the message.
struct SinkDump {
    var recipients: [String]
    var mailFrom: String
    var message: String

    /// Reads every dump file under `dir` whose recipients end with `@domain`.
    static func read(_ dir: String, domain: String) -> [SinkDump] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [SinkDump] = []
        for case let rel as String in e {
            let path = dir + "/" + rel
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
                let data = FileManager.default.contents(atPath: path)
            else { continue }
            let text = String(decoding: data, as: UTF8.self)
            guard text.contains("@" + domain) else { continue }
            var rcpts: [String] = []
            var from = ""
            var body = text
            // smtp-sink prepends X-Client-*, X-Helo-Args, X-Mail-Args and X-Rcpt-Args lines to the message.
            var lines = text.components(separatedBy: "\n")
            while let first = lines.first, first.hasPrefix("X-") {
                let l = first.trimmingCharacters(in: .whitespacesAndNewlines)
                if l.hasPrefix("X-Rcpt-Args:") {
                    rcpts.append(Self.address(l))
                } else if l.hasPrefix("X-Mail-Args:") {
                    from = Self.address(l)
                }
                lines.removeFirst()
                body = lines.joined(separator: "\n")
            }
            if rcpts.contains(where: { $0.hasSuffix("@" + domain) }) {
                // smtp-sink stores lines with LF: restore the CRLF they had on the wire.
                let crlf = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(
                    of: "\n", with: "\r\n")
                out.append(SinkDump(recipients: rcpts, mailFrom: from, message: crlf))
            }
        }
        return out
    }

    static func address(_ line: String) -> String {
        guard let open = line.firstIndex(of: "<"), let close = line[open...].firstIndex(of: ">") else { return "" }
        return String(line[line.index(after: open)..<close]).lowercased()
    }
}
