import Foundation
import VigieCore

/// Reads and validates `vigie.toml` and `queues/*.toml`; every error is one line naming the file and the key.
public enum ConfigLoader {
    /// Which file to read: the `--config` option, else `$VIGIE_CONFIG`, else `./vigie.toml`.
    public static func resolvePath(
        _ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> String
    {
        if let option, !option.isEmpty { return option }
        if let env = environment["VIGIE_CONFIG"], !env.isEmpty { return env }
        return "vigie.toml"
    }

    /// Loads the main file.
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    )
        throws -> VigieConfig
    {
        let text = try readFile(
            path, what: "configuration file",
            hint: "create one with `vigie init` or pass --config PATH")
        let root = try parse(text, file: path)
        let base = (absolute(path) as NSString).deletingLastPathComponent
        try MainKeys.check(root)

        let dbT = try root.requiredTable("database")
        let dbText = try MainKeys.Database.path.read(dbT)
        guard !dbText.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ConfigError("\(path): [database] path is empty; name the database file, e.g. \"var/vigie.sqlite\"")
        }
        let dbPath = resolve(dbText, base: base)
        try dbT.finish()

        typealias O = MainKeys.Organisation
        let orgT = try root.requiredTable("organisation")
        let org = VigieConfig.Organisation(
            name: try O.name.read(orgT), email: try O.email.read(orgT), postalAddress: try O.postalAddress.read(orgT),
            website: try O.website.read(orgT), ownHosts: try O.ownHosts.read(orgT))
        try orgT.finish()

        let smtpT = try root.requiredTable("smtp")
        typealias S = MainKeys.SMTP
        let smtpURL = try S.url.read(smtpT)
        try checkURL(smtpURL, schemes: ["smtp", "smtps"], reader: smtpT, key: S.url.name)
        let smtp = VigieConfig.SMTP(
            url: smtpURL,
            starttls: try S.starttls.read(smtpT),
            user: nonEmpty(try S.user.read(smtpT)),
            password: try password(smtpT, environment: environment, base: base),
            from: try mailAddressText(smtpT, key: S.from.name),
            caFile: try S.caFile.read(smtpT).map { resolve($0, base: base) })
        try smtpT.finish()

        let pathsT = try root.table("paths")
        let queues = resolve(try MainKeys.Paths.queues.read(pathsT), base: base)
        let templates = resolve(try MainKeys.Paths.templates.read(pathsT), base: base)
        var templatesIsDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: templates, isDirectory: &templatesIsDir), templatesIsDir.boolValue
        else {
            throw ConfigError(
                "\(path): templates folder \(templates) does not exist; set [paths] templates or run "
                    + "vigie init in a new folder and copy its templates/")
        }

        let intakeT = try root.table("intake")
        let intake = VigieConfig.Intake(ignoredHosts: try MainKeys.Intake.ignoredHosts.read(intakeT))

        typealias C = MainKeys.Clusters
        let clT = try root.table("clusters")
        var rules = IdentityRules.default
        for p in try C.trackingParameters.read(clT) {
            rules.trackingParameters.insert(p.lowercased())
        }
        rules = rules.adding(redirectWrappers: try redirectWrappers(clT))
        let clusters = ClusterSettings(
            resolveShortLinks: try C.resolveShortLinks.read(clT),
            shortLinkHosts: try C.shortLinkHosts.read(clT),
            shortLinkTimeoutSeconds: try C.shortLinkTimeoutSeconds.read(clT),
            identityRules: rules,
            weights: PriorityWeights(
                reporters: try C.weightReporters.read(clT),
                velocity: try C.weightVelocity.read(clT),
                recency: try C.weightRecency.read(clT),
                recencyHalfLifeHours: try C.recencyHalfLifeHours.read(clT)))

        let modT = try root.table("moderation")
        let offences = resolve(try MainKeys.Moderation.offences.read(modT), base: base)
        let platforms = resolve(try MainKeys.Moderation.platforms.read(modT), base: base)
        let evidence =
            try MainKeys.Moderation.evidence.read(modT)
            ? EvidenceSettings(
                maxBytes: try MainKeys.Moderation.evidenceMaxBytes.read(modT),
                timeoutSeconds: try MainKeys.Moderation.evidenceTimeoutSeconds.read(modT),
                privateAddresses: try MainKeys.Moderation.evidencePrivateAddresses.read(modT)) : nil

        let httpT = try root.table("http")
        let publicURL = try publicURL(try MainKeys.HTTP.publicURL.read(httpT), file: path)
        let listen = try listenAddress(try MainKeys.HTTP.listen.read(httpT), file: path)
        let proxies = try trustedProxies(try MainKeys.HTTP.trustedProxies.read(httpT), file: path)
        let rechecks = try RecheckSettings.read(try root.table("rechecks"))
        let metricsAllow = try trustedProxies(
            try MainKeys.HTTP.metricsAllow.read(httpT), file: path, key: MainKeys.HTTP.metricsAllow.name)

        try root.finish()
        return VigieConfig(
            file: path, databasePath: dbPath, organisation: org, smtp: smtp, queuesDir: queues,
            templatesDir: templates, intake: intake, clusters: clusters, offencesFile: offences,
            platformsFile: platforms, evidence: evidence, publicURL: publicURL, httpListen: listen,
            trustedProxies: proxies, rechecks: rechecks,
            metricsAllow: metricsAllow)
    }

    /// Loads every `*.toml` of the queues folder, sorted by name.
    /// Without `requireSecrets`, an intake queue whose password cannot be resolved (an unset `password_env`) still
    /// loads, with an empty password: commands that never connect to it need not know it.
    public static func loadQueues(
        dir: String, requireSecrets: Bool = true,
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        throws -> [QueueConfig]
    {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ConfigError("queues folder \(dir) does not exist; set [paths] queues in vigie.toml or run vigie init")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".toml") }.sorted()
        return try names.map {
            try loadQueue(
                path: (dir as NSString).appendingPathComponent($0),
                requireSecrets: requireSecrets, environment: environment)
        }
    }

    /// Loads one queue file; its `kind` says which keys it may hold.
    public static func loadQueue(
        path: String, requireSecrets: Bool = true,
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        throws -> QueueConfig
    {
        let text = try readFile(path, what: "queue file", hint: "check [paths] queues in vigie.toml")
        let r = try parse(text, file: path)
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let base = (absolute(path) as NSString).deletingLastPathComponent
        let kind = try QueueKeys.kind.read(r)
        let enabled = try QueueKeys.enabled.read(r)
        switch kind {
        case "intake":
            try QueueKeys.check(r, kind: kind)
            let q = try intakeQueue(
                r, name: name, file: path, enabled: enabled, requireSecret: enabled && requireSecrets,
                base: base, environment: environment)
            try r.finish()
            return .intake(q)
        default:
            guard let k = OutboundQueue.Kind(rawValue: kind) else {
                throw ConfigError(
                    "\(path): key \"kind\" must be one of intake, "
                        + OutboundQueue.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                        + "; found \(SafeText.quoted(kind))")
            }
            try QueueKeys.check(r, kind: k.rawValue)
            try checkOutbound(r, kind: k, enabled: enabled)
            try r.finish()
            return .outbound(OutboundQueue(name: name, file: path, kind: k, enabled: enabled, table: r.table))
        }
    }

    static func intakeQueue(
        _ r: TOMLReader, name: String, file: String, enabled: Bool, requireSecret: Bool, base: String,
        environment: [String: String]
    ) throws -> IntakeQueue {
        typealias K = QueueKeys.Intake
        let roleText = try K.role.read(r)
        guard let role = IntakeRole(rawValue: roleText) else {
            throw ConfigError(
                "\(file): key \"role\" must be one of "
                    + IntakeRole.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") + "; found "
                    + SafeText.quoted(roleText))
        }
        let url = try K.url.read(r)
        try checkURL(url, schemes: ["imap", "imaps"], reader: r, key: K.url.name)
        let parts = URLComponents(string: url)
        let tls = parts?.scheme == "imaps"
        let starttls = try K.starttls.read(r)
        if tls && starttls {
            throw ConfigError("\(file): starttls = true makes no sense with imaps:// (already TLS); remove one")
        }
        let host = parts?.host ?? ""
        let port = parts?.port ?? (tls ? 993 : 143)
        let user = try K.user.read(r)
        if let m = try r.string(K.mailbox.name), m.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ConfigError("\(file): mailbox is empty; name the folder to read, e.g. \"INBOX\" (or remove the key)")
        }
        // A disabled queue (or one the command will not connect to) is still checked for its keys and types, but its
        // secret need not be at hand.
        let pw: String
        do {
            guard let p = try password(r, environment: environment, base: base) else {
                throw ConfigError(
                    "\(file): no password: set one of \"password\", \"password_env\" or \"password_file\"")
            }
            pw = p
        } catch let e as ConfigError where !requireSecret {
            _ = e
            pw = ""
        }
        let caFile = try K.caFile.read(r).map { resolve($0, base: base) }
        if let caFile, !FileManager.default.fileExists(atPath: caFile) {
            throw ConfigError("\(file): ca_file \(caFile) does not exist")
        }
        let endpoint = IMAPEndpoint(
            host: host, port: port, security: tls ? .tls : (starttls ? .starttls : .plain), user: user, password: pw,
            caFile: caFile, verifyCertificates: try K.tlsVerify.read(r),
            timeoutSeconds: try K.timeoutSeconds.read(r))
        let mailbox = try K.mailbox.read(r)
        let processed = nonEmpty(try K.processedMailbox.read(r))
        if let processed, sameMailbox(processed, mailbox) {
            throw ConfigError(
                "\(file): key \"processed_mailbox\" is the intake mailbox \"\(mailbox)\" itself; "
                    + "name another folder (e.g. \"Processed\") or remove the key")
        }
        return IntakeQueue(
            name: name, file: file, role: role, endpoint: endpoint,
            mailbox: mailbox,
            processedMailbox: processed,
            idle: try K.idle.read(r),
            pollIntervalSeconds: try K.pollIntervalSeconds.read(r),
            maxMessageBytes: try K.maxMessageBytes.read(r),
            enabled: enabled)
    }

    /// True when two mailbox names denote one folder: INBOX is case-insensitive (RFC 3501 §5.1), other names are not.
    static func sameMailbox(_ a: String, _ b: String) -> Bool {
        a.uppercased() == "INBOX" ? b.uppercased() == "INBOX" : a == b
    }

    /// `password`, `password_env` or `password_file` (at most one).
    static func password(_ r: TOMLReader, environment: [String: String], base: String) throws -> String? {
        let plain = try QueueKeys.Secret.password.read(r)
        let env = try QueueKeys.Secret.passwordEnv.read(r)
        let file = try QueueKeys.Secret.passwordFile.read(r)
        let given = [plain, env, file].compactMap { $0 }.filter { !$0.isEmpty }
        if given.count > 1 {
            throw ConfigError(
                "\(r.file): set only one of password, password_env, password_file in \(r.path.isEmpty ? "the file" : "[\(r.path)]")"
            )
        }
        if let plain, !plain.isEmpty { return plain }
        if let env, !env.isEmpty {
            guard let v = environment[env], !v.isEmpty else {
                throw ConfigError(
                    "\(r.file): password_env names $\(env), which is not set; export it or use "
                        + "password_file")
            }
            return v
        }
        if let file, !file.isEmpty {
            let p = resolve(file, base: base)
            guard let data = FileManager.default.contents(atPath: p) else {
                throw ConfigError("\(r.file): password_file \(p) cannot be read")
            }
            let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty else {
                throw ConfigError("\(r.file): password_file \(p) is empty; write the password in it")
            }
            return secret
        }
        return nil
    }

    /// `[clusters] redirect_wrappers = [{ host, param, path }]`: more links that only carry another.
    static func redirectWrappers(_ clusters: TOMLReader) throws -> [RedirectWrapper] {
        try MainKeys.Clusters.redirectWrappers.read(clusters).map { w in
            let host = try w.requiredString("host")
            let param = try w.requiredString("param")
            let path = try w.string("path")
            do {
                return try RedirectWrapper(host: host, parameter: param, path: path)
            } catch {
                let line = w.table.line(of: "host").map { "line \($0): " } ?? ""
                throw ConfigError("\(w.file): \(line)\(w.path): \(error)")
            }
        }
    }

    static func checkURL(_ url: String, schemes: [String], reader: TOMLReader, key: String) throws {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(), schemes.contains(scheme),
            let host = c.host, !host.isEmpty
        else {
            try checkPort(URLComponents(string: url), text: url, file: reader.file, key: key)
            throw ConfigError(
                "\(reader.file): key \(SafeText.quoted(key)) must look like \(schemes[0])://host:port "
                    + "(schemes: \(schemes.joined(separator: ", "))); found \(SafeText.quoted(url))")
        }
        try checkPort(c, text: url, file: reader.file, key: key)
    }

    /// A required `from`, checked as one address on one line; the text as written.
    static func mailAddressText(_ r: TOMLReader, key: String) throws -> String {
        let text = try r.requiredString(key)
        _ = try mailAddress(text, file: r.file, key: r.path.isEmpty ? key : "[\(r.path)] \(key)")
        return text
    }

    static func readFile(_ path: String, what: String, hint: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("\(what) \(path) cannot be read; \(hint)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("\(what) \(path) is not valid UTF-8; save it as UTF-8")
        }
        return text
    }

    static func parse(_ text: String, file: String) throws -> TOMLReader {
        do {
            return TOMLReader(table: try TOML.parse(text), file: file)
        } catch {
            throw ConfigError("\(file): \(error)")
        }
    }

    static func resolve(_ path: String, base: String) -> String {
        if path.hasPrefix("/") { return path }
        return (base as NSString).appendingPathComponent(path)
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }

    static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.isEmpty else { return nil }
        return s
    }
}
