import Foundation
import VigieCore

/// Value checks shared by the loader (so that `config check` and every command refuse the same things, at load time)
/// and by the settings the commands build. Each error is one line: file, key, what was found, what to write.
extension ConfigLoader {
    /// `Name <addr>` or `addr` (a `from`), on one line: a CR or LF would add header lines to every message.
    static func mailAddress(_ text: String, file: String, key: String) throws -> MailAddress {
        guard !text.unicodeScalars.contains(where: SafeText.isUnsafe), let a = MailAddress.parseDisplay(text),
            EmailAddress.validate(a.address) != nil
        else {
            throw ConfigError(
                "\(file): \(key) must be one address like \"La lettre <lettre@example.org>\", on one "
                    + "line; found \(SafeText.quoted(text))")
        }
        return a
    }

    /// A bare address (`unsubscribe_mailto`, `return_path`), normalised.
    static func bareAddress(_ text: String, file: String, key: String, example: String) throws -> String {
        guard !text.unicodeScalars.contains(where: SafeText.isUnsafe), let a = EmailAddress.validate(text) else {
            throw ConfigError(
                "\(file): \(key) must be a bare address such as \(example); found "
                    + SafeText.quoted(text))
        }
        return a
    }

    /// The one-click unsubscribe endpoint: https, or http only on a loopback host (a test endpoint on this machine).
    static func unsubscribeBase(_ text: String?, file: String) throws -> String {
        let hint =
            "unsubscribe_url_base must be the https:// address of the one-click unsubscribe endpoint (the token "
            + "is appended), e.g. \"https://www.example.org/u/\", or set [http] public_url in vigie.toml"
        guard let text else { throw ConfigError("\(file): \(hint)") }
        guard !text.unicodeScalars.contains(where: SafeText.isUnsafe), !text.contains(" "),
            let c = URLComponents(string: text), let scheme = c.scheme?.lowercased(), let host = c.host,
            !host.isEmpty,
            scheme == "https" || (scheme == "http" && isLoopback(host)), c.query == nil, c.fragment == nil
        else {
            throw ConfigError("\(file): \(hint) (http only for localhost); found \(SafeText.quoted(text))")
        }
        try checkPort(c, text: text, file: file, key: "unsubscribe_url_base")
        return text
    }

    /// `List-Id` as RFC 2919 writes it: an optional phrase, then `<list-label.namespace>` with its angle brackets.
    static func listID(_ text: String, file: String) throws -> String {
        let t = text.trimmingCharacters(in: .whitespaces)
        let ok: Bool = {
            guard !t.unicodeScalars.contains(where: SafeText.isUnsafe), t.hasSuffix(">"),
                let open = t.lastIndex(of: "<")
            else { return false }
            let id = t[t.index(after: open)..<t.index(before: t.endIndex)]
            let phrase = t[..<open]
            return id.contains(".") && !id.hasPrefix(".") && !id.hasSuffix(".") && !id.contains("..")
                && id.unicodeScalars.allSatisfy {
                    $0.isASCII
                        && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
                            || "!#$%&'*+-/=?^_`{|}~.".unicodeScalars.contains($0))
                }
                && !phrase.contains("<") && !phrase.contains(">")
        }()
        guard ok else {
            throw ConfigError(
                "\(file): list_id must be written with its angle brackets, e.g. "
                    + "\"La lettre <lettre.example.org>\" (List-Id, RFC 2919); found \(SafeText.quoted(text))")
        }
        return t
    }

    /// A port written in a URL is within 1–65535.
    static func checkPort(_ c: URLComponents?, text: String, file: String, key: String) throws {
        let port = c?.port ?? writtenPort(text)
        if let port, !(1...65_535).contains(port) {
            throw ConfigError(
                "\(file): key \"\(key)\" has port \(port), outside 1–65535; found "
                    + SafeText.quoted(text))
        }
    }

    /// The digits after the host's last `:` in `scheme://host:port/…`, for URLs Foundation would not parse.
    static func writtenPort(_ url: String) -> Int? {
        guard let r = url.range(of: "://") else { return nil }
        let authority = url[r.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") else { return nil }
        let digits = authority[authority.index(after: colon)...]
        return digits.isEmpty || !digits.allSatisfy(\.isASCII) ? nil : Int(digits)
    }

    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let octets = h.split(separator: ".", omittingEmptySubsequences: false)
        let ipv4Loopback =
            octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { $0.count <= 3 && UInt8($0) != nil }
        return h == "localhost" || h.hasSuffix(".localhost") || h == "::1" || ipv4Loopback
    }

    /// What an outbound queue file states, checked at load: its relay, its `from` and, for the newsletter, the list
    /// headers (an enabled newsletter queue must name its unsubscribe endpoint). Secrets are resolved by the commands
    /// and by `config check` (`AppContext.checkSecrets`).
    static func checkOutbound(_ r: TOMLReader, kind: OutboundQueue.Kind, enabled: Bool) throws {
        typealias N = QueueKeys.Newsletter
        if let url = try QueueKeys.Relay.smtpURL.read(r) {
            try checkURL(url, schemes: ["smtp", "smtps"], reader: r, key: QueueKeys.Relay.smtpURL.name)
        }
        if let from = try QueueKeys.Relay.from.read(r) { _ = try mailAddress(from, file: r.file, key: "from") }
        if kind == .digest { _ = try DigestSettings.check(r, enabled: enabled) }
        if kind == .notices, let to = try QueueKeys.Notices.replyTo.read(r) {
            _ = try bareAddress(to, file: r.file, key: QueueKeys.Notices.replyTo.name, example: "reponses@example.org")
        }
        guard kind == .newsletter else { return }
        if let id = try N.listID.read(r) { _ = try listID(id, file: r.file) }
        let base = try N.unsubscribeURLBase.read(r)
        if let base { _ = try unsubscribeBase(base, file: r.file) }
        if let m = try N.unsubscribeMailto.read(r) {
            _ = try bareAddress(m, file: r.file, key: N.unsubscribeMailto.name, example: "desinscription@example.org")
        }
        if let rp = try N.returnPath.read(r) {
            _ = try bareAddress(rp, file: r.file, key: N.returnPath.name, example: "bounces@example.org")
        }
    }

    /// `[http] public_url`: an http(s) address without query or fragment; returned without its trailing slash.
    static func publicURL(_ text: String?, file: String) throws -> String? {
        guard let text else { return nil }
        guard !text.unicodeScalars.contains(where: SafeText.isUnsafe), !text.contains(" "),
            let c = URLComponents(string: text), let scheme = c.scheme?.lowercased(),
            ["http", "https"].contains(scheme),
            let host = c.host, !host.isEmpty, c.query == nil, c.fragment == nil
        else {
            throw ConfigError(
                "\(file): [http] public_url must be the https:// address of Vigie's console, e.g. "
                    + "\"https://vigie.example.org\"; found \(SafeText.quoted(text))")
        }
        var t = text
        while t.hasSuffix("/") { t.removeLast() }
        return t
    }

    /// `[http] listen`: `HOST:PORT`.
    static func listenAddress(_ text: String?, file: String) throws -> ListenAddress? {
        guard let text else { return nil }
        guard let a = ListenAddress(text) else {
            throw ConfigError(
                "\(file): [http] listen must be HOST:PORT, e.g. \"127.0.0.1:8080\" (\"[::1]:8080\" for IPv6); "
                    + "found \(SafeText.quoted(text))")
        }
        return a
    }

    /// `[http] trusted_proxies`: addresses or CIDR blocks.
    static func trustedProxies(_ list: [String], file: String, key: String = "trusted_proxies") throws -> [IPRange] {
        try list.map { text in
            guard let r = IPRange(text) else {
                throw ConfigError(
                    "\(file): [http] \(key): \(SafeText.quoted(text)) is not an address or a CIDR block "
                        + "(e.g. \"127.0.0.1\", \"10.0.0.0/8\", \"::1\")")
            }
            return r
        }
    }
}
