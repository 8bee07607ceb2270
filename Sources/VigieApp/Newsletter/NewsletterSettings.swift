import Foundation
import VigieCore

/// `queues/newsletter.toml`, typed: pacing, the relay, and what goes into each message's list headers.
public struct NewsletterSettings: Sendable {
    public var queue: String
    public var file: String
    public var dispatch: DispatchSettings
    public var smtp: SMTPEndpoint
    public var from: MailAddress
    public var list: ListHeaders
    public var secret: [UInt8]

    /// Reads the queue's keys (already type-checked by the loader) and resolves the relay and the secret.
    public static func from(_ q: OutboundQueue, config: VigieConfig,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> NewsletterSettings
    {
        let r = TOMLReader(table: q.table, file: q.file)
        var d = DispatchSettings()
        d.ratePerSecond = try r.double("rate_per_second", default: 0, range: 0...100_000)
        d.maxPerHour = try r.int("max_per_hour", default: 0, range: 0...100_000_000)
        d.connections = try r.int("connections", default: 4, range: 1...64)
        d.batchSize = try r.int("batch_size", default: 500, range: 1...1_000_000)
        d.pauseBetweenBatchesSeconds = try r.double("pause_between_batches_seconds", default: 0, range: 0...86_400)
        d.maxMessagesPerConnection = try r.int("max_messages_per_connection", default: 100, range: 1...1_000_000)
        d.maxAttempts = try r.int("max_attempts", default: 5, range: 1...100)
        d.retryBaseSeconds = try r.double("retry_base_seconds", default: 60, range: 0...86_400)
        d.retryMaxSeconds = max(d.retryBaseSeconds, d.retryMaxSeconds)
        if let p = d.problems.first { throw ConfigError("\(q.file): \(p)") }

        let base = (q.file as NSString).deletingLastPathComponent
        let url = try r.string("smtp_url") ?? config.smtp.url
        let user = try r.string("user") ?? config.smtp.user
        let queuePassword = try ConfigLoader.password(r, environment: environment, base: base)
        let smtp = SMTPEndpoint(
            url: url, starttls: try r.bool("starttls") ?? config.smtp.starttls, user: (user?.isEmpty ?? true) ? nil : user,
            password: queuePassword ?? config.smtp.password,
            caFile: try r.string("ca_file").map { ConfigLoader.resolve($0, base: base) } ?? config.smtp.caFile,
            timeoutSeconds: Double(try r.int("timeout_seconds", default: 60, range: 1...600)))

        // The same checks as at load time (ConfigValues), so `config check` refused whatever is refused here.
        let from = try ConfigLoader.mailAddress(try r.string("from") ?? config.smtp.from, file: q.file,
                                                key: "from (or [smtp] from)")
        let listID = try ConfigLoader.listID(
            try r.string("list_id") ?? "\(config.organisation.name) <newsletter.\(domain(of: from.address))>",
            file: q.file)
        let unsubscribeBase = try ConfigLoader.unsubscribeBase(try r.string("unsubscribe_url_base"), file: q.file)
        let mailto = try ConfigLoader.bareAddress(
            try r.string("unsubscribe_mailto") ?? "unsubscribe@\(domain(of: from.address))", file: q.file,
            key: "unsubscribe_mailto", example: "desinscription@example.org")
        let rp = try ConfigLoader.bareAddress(try r.string("return_path") ?? "bounces@\(domain(of: from.address))",
                                              file: q.file, key: "return_path", example: "bounces@example.org")
        guard let at = rp.lastIndex(of: "@") else {
            throw ConfigError("\(q.file): return_path \(SafeText.quoted(rp)) has no domain (bounces@your-domain)")
        }
        let list = ListHeaders(listID: listID, unsubscribeURLBase: unsubscribeBase, unsubscribeMailbox: mailto,
                               bounceDomain: String(rp[rp.index(after: at)...]), bouncePrefix: String(rp[..<at]))
        let secret = try readSecret(r, file: q.file, base: base, environment: environment)
        return NewsletterSettings(queue: q.name, file: q.file, dispatch: d, smtp: smtp, from: from, list: list,
                                  secret: secret)
    }

    static func readSecret(_ r: TOMLReader, file: String, base: String, environment: [String: String]) throws
        -> [UInt8]
    {
        if let env = try r.string("secret_env"), !env.isEmpty {
            guard let v = environment[env], !v.isEmpty else {
                throw ConfigError("\(file): secret_env names $\(env), which is not set; export a random value "
                    + "(e.g. head -c 32 /dev/urandom | base64) or use secret_file")
            }
            return Array(v.utf8)
        }
        if let f = try r.string("secret_file"), !f.isEmpty {
            let p = ConfigLoader.resolve(f, base: base)
            guard let data = FileManager.default.contents(atPath: p) else {
                throw ConfigError("\(file): secret_file \(p) cannot be read")
            }
            let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty else {
                throw ConfigError("\(file): secret_file \(p) is empty; write a random value in it "
                    + "(head -c 32 /dev/urandom | base64 > \(p))")
            }
            return Array(secret.utf8)
        }
        throw ConfigError("\(file): set secret_env or secret_file: the secret that signs unsubscribe links")
    }

    static func domain(of address: String) -> String {
        address.split(separator: "@").last.map { String($0).lowercased() } ?? "localhost"
    }
}

extension MailAddress {
    /// Parses `Name <addr>` or a bare `addr` (as written in configuration files).
    public static func parseDisplay(_ text: String) -> MailAddress? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let open = t.lastIndex(of: "<"), t.hasSuffix(">") {
            let addr = String(t[t.index(after: open)..<t.index(before: t.endIndex)]).trimmingCharacters(in: .whitespaces)
            var name = String(t[..<open]).trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            return addr.isEmpty ? nil : MailAddress(name: name.isEmpty ? nil : name, address: addr)
        }
        return t.isEmpty || t.contains(" ") ? nil : MailAddress(address: t)
    }
}
