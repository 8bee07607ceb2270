import Foundation
import VigieCore

/// How a platform tells whether a content is still online: a plain HTTP request, or its public oEmbed endpoint.
/// One platform of `platforms.toml`: where notices go and how its contents are checked.
public struct PlatformEntry: Sendable, Equatable {
    public var platform: Platform
    /// The name shown to moderators and in notices' subjects.
    public var name: String
    /// Where `vigie clusters notify --send` mails the notice (a trusted-flagger channel, a legal address).
    public var noticeEmail: String?
    /// The platform's web form for notices, when it takes none by mail.
    public var noticeFormURL: String?
    public var check: LinkCheckMethod
    /// The oEmbed address with `{url}` where the content's URL goes (percent-encoded).
    public var oembedEndpoint: String?
    /// Hosts whose final URL means a login wall (never a removal).
    public var loginWallHosts: [String]
    /// Hosts whose final URL means the content was removed.
    public var removedFinalHosts: [String]
}

/// `platforms.toml`, validated: one table per platform (`[x]`, `[youtube]`, …, `[web]` for any other site).
public struct PlatformDirectory: Sendable {
    public let file: String
    let entries: [Platform: PlatformEntry]

    /// The entry of `platform`; nil when the file has no table for it.
    public func entry(for platform: Platform) -> PlatformEntry? { entries[platform] }

    /// Every entry, in `Platform` order.
    public var all: [PlatformEntry] { Platform.allCases.compactMap { entries[$0] } }

    /// Reads and validates the file; every error is one line naming the file, the platform and the key.
    public static func load(path: String) throws -> PlatformDirectory {
        let text = try ConfigLoader.readFile(
            path, what: "platforms file",
            hint: "set [moderation] platforms in vigie.toml (vigie init writes one)")
        do {
            return try parse(text, file: path)
        } catch let e as ConfigError {
            throw e
        } catch {
            throw ConfigError("\(path): \(error)")
        }
    }

    /// Parses the text of a platforms file named `file`.
    public static func parse(_ text: String, file: String) throws -> PlatformDirectory {
        let root = try TOMLReader(parsing: text, file: file)
        var entries: [Platform: PlatformEntry] = [:]
        for key in root.table.keys {
            guard let platform = Platform(rawValue: key) else {
                throw ConfigError(
                    "\(file): [\(SafeText.line(key))] is no platform; use one of \(Platform.names)")
            }
            let t = try root.table(key)
            func fail(_ k: String, _ message: String) -> ConfigError {
                let line = t.table.line(of: k).map { "line \($0): " } ?? ""
                return ConfigError("\(file): \(line)[\(key)] \(k): \(message)")
            }
            let name = try t.requiredString("name").trimmingCharacters(in: .whitespaces)
            if name.isEmpty { throw fail("name", "is empty; write the platform's name") }
            let email = try t.string("notice_email")
            if let email, EmailAddress.validate(email) == nil || email.unicodeScalars.contains(where: SafeText.isUnsafe)
            {
                throw fail(
                    "notice_email", "must be a bare address such as dsa@example.org; found \(SafeText.quoted(email))")
            }
            let form = try t.string("notice_form_url")
            if let form, !isWebURL(form) {
                throw fail("notice_form_url", "must be an https:// address; found \(SafeText.quoted(form))")
            }
            if email == nil && form == nil {
                throw ConfigError(
                    "\(file): [\(key)] needs notice_email or notice_form_url (where notices to \(name) go)")
            }
            let checkText = try t.string("check", default: "http")
            guard let check = LinkCheckMethod(rawValue: checkText) else {
                throw fail("check", "must be \"http\" or \"oembed\"; found \(SafeText.quoted(checkText))")
            }
            let oembed = try t.string("oembed_endpoint")
            if let oembed, !isWebURL(oembed.replacingOccurrences(of: "{url}", with: "x")) || !oembed.contains("{url}") {
                throw fail(
                    "oembed_endpoint",
                    "must be an https:// address with {url} where the content's URL goes; found "
                        + SafeText.quoted(oembed))
            }
            if check == .oembed && oembed == nil {
                throw fail("check", "is \"oembed\" but oembed_endpoint is missing; set it or use check = \"http\"")
            }
            func hosts(_ k: String) throws -> [String] {
                let list = try t.stringArray(k, default: [])
                // A host, or a host and a path prefix (`www.instagram.com/accounts/login`), as the checks match them.
                for h in list where h.isEmpty || h.hasPrefix("/") || h.contains("://") || h.contains(" ") {
                    throw fail(
                        k, "must list host names, or a host and a path prefix (no scheme); found \(SafeText.quoted(h))")
                }
                return list.map { $0.lowercased() }
            }
            entries[platform] = PlatformEntry(
                platform: platform, name: name, noticeEmail: email.flatMap(EmailAddress.validate),
                noticeFormURL: form, check: check, oembedEndpoint: oembed,
                loginWallHosts: try hosts("login_wall_hosts"), removedFinalHosts: try hosts("removed_final_hosts"))
        }
        try root.finish()
        guard entries[.web] != nil else {
            throw ConfigError("\(file): no [web] table; it says where notices about any other site go")
        }
        return PlatformDirectory(file: file, entries: entries)
    }

    /// http(s) with a host; http only for a loopback host (a test endpoint on this machine).
    static func isWebURL(_ text: String) -> Bool {
        guard !text.unicodeScalars.contains(where: SafeText.isUnsafe), !text.contains(" "),
            let c = URLComponents(string: text), let scheme = c.scheme?.lowercased(), let host = c.host,
            !host.isEmpty
        else { return false }
        return scheme == "https" || (scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(host))
    }
}
