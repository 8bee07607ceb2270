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
    public static func from(
        _ q: OutboundQueue, config: VigieConfig,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws
        -> NewsletterSettings
    {
        let r = TOMLReader(table: q.table, file: q.file)
        let d = try dispatch(r)
        let base = (q.file as NSString).deletingLastPathComponent
        typealias N = QueueKeys.Newsletter
        let smtp = try relay(r, config: config, environment: environment)
        let from = try sender(r, config: config)
        let listID = try ConfigLoader.listID(
            try N.listID.read(r) ?? "\(config.organisation.name) <newsletter.\(domain(of: from.address))>",
            file: q.file)
        // By default the one-click endpoint `serve` answers: `{public_url}/u/`.
        let unsubscribeBase = try ConfigLoader.unsubscribeBase(
            try N.unsubscribeURLBase.read(r) ?? config.publicURL.map { $0 + "/u/" }, file: q.file)
        let mailto = try ConfigLoader.bareAddress(
            try N.unsubscribeMailto.read(r) ?? "unsubscribe@\(domain(of: from.address))", file: q.file,
            key: "unsubscribe_mailto", example: "desinscription@example.org")
        let rp = try ConfigLoader.bareAddress(
            try N.returnPath.read(r) ?? "bounces@\(domain(of: from.address))",
            file: q.file, key: "return_path", example: "bounces@example.org")
        guard let at = rp.lastIndex(of: "@") else {
            throw ConfigError("\(q.file): return_path \(SafeText.quoted(rp)) has no domain (bounces@your-domain)")
        }
        let list = ListHeaders(
            listID: listID, unsubscribeURLBase: unsubscribeBase, unsubscribeMailbox: mailto,
            bounceDomain: String(rp[rp.index(after: at)...]), bouncePrefix: String(rp[..<at]))
        let secret = try readSecret(r, file: q.file, base: base, environment: environment)
        return NewsletterSettings(
            queue: q.name, file: q.file, dispatch: d, smtp: smtp, from: from, list: list,
            secret: secret)
    }

    /// The queue's pacing and retries (`QueueKeys.Newsletter.dispatch`, which every outbound kind declares).
    static func dispatch(_ r: TOMLReader) throws -> DispatchSettings {
        var d = DispatchSettings()
        for key in QueueKeys.Newsletter.dispatch { try key.apply(&d, r) }
        // Left out, the retry ceiling never stands below the first retry.
        if !r.contains(QueueKeys.Newsletter.retryMaxSeconds.spec.name) {
            d.retryMaxSeconds = max(d.retryBaseSeconds, d.retryMaxSeconds)
        }
        if let p = d.problems.first { throw ConfigError("\(r.file): \(p)") }
        return d
    }

    /// The queue's relay: `vigie.toml` `[smtp]`, each key overridden by its twin in the queue file.
    static func relay(_ r: TOMLReader, config: VigieConfig, environment: [String: String]) throws -> SMTPEndpoint {
        typealias R = QueueKeys.Relay
        let base = (r.file as NSString).deletingLastPathComponent
        let url = try R.smtpURL.read(r) ?? config.smtp.url
        let user = try R.user.read(r) ?? config.smtp.user
        let queuePassword = try ConfigLoader.password(r, environment: environment, base: base)
        return SMTPEndpoint(
            url: url, starttls: try R.starttls.read(r) ?? config.smtp.starttls,
            user: (user?.isEmpty ?? true) ? nil : user,
            password: queuePassword ?? config.smtp.password,
            caFile: try R.caFile.read(r).map { ConfigLoader.resolve($0, base: base) } ?? config.smtp.caFile,
            timeoutSeconds: Double(try R.timeoutSeconds.read(r)))
    }

    /// The queue's `from` (or `[smtp] from`), with the same checks as at load time (ConfigValues), so `config check`
    /// refused whatever is refused here.
    static func sender(_ r: TOMLReader, config: VigieConfig) throws -> MailAddress {
        try ConfigLoader.mailAddress(
            try QueueKeys.Relay.from.read(r) ?? config.smtp.from, file: r.file,
            key: "from (or [smtp] from)")
    }

    static func readSecret(
        _ r: TOMLReader, file: String, base: String, environment: [String: String]
    ) throws
        -> [UInt8]
    {
        if let env = try QueueKeys.Newsletter.secretEnv.read(r), !env.isEmpty {
            guard let v = environment[env], !v.isEmpty else {
                throw ConfigError(
                    "\(file): secret_env names $\(env), which is not set; export a random value "
                        + "(e.g. head -c 32 /dev/urandom | base64) or use secret_file")
            }
            return Array(v.utf8)
        }
        if let f = try QueueKeys.Newsletter.secretFile.read(r), !f.isEmpty {
            let p = ConfigLoader.resolve(f, base: base)
            guard let data = FileManager.default.contents(atPath: p) else {
                throw ConfigError("\(file): secret_file \(p) cannot be read")
            }
            let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty else {
                throw ConfigError(
                    "\(file): secret_file \(p) is empty; write a random value in it "
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
            let addr = String(t[t.index(after: open)..<t.index(before: t.endIndex)]).trimmingCharacters(
                in: .whitespaces)
            var name = String(t[..<open]).trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 {
                name = String(name.dropFirst().dropLast())
            }
            return addr.isEmpty ? nil : MailAddress(name: name.isEmpty ? nil : name, address: addr)
        }
        return t.isEmpty || t.contains(" ") ? nil : MailAddress(address: t)
    }
}
