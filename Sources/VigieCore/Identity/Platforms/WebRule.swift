/// Any site without a rule of its own: `web:` + host, path and query; a citizen may report a whole site.
enum WebRule: PlatformRule {
    static let platform = Platform.web
    static let displayName = "site web"
    static let hosts: [String: String] = [:]

    /// Never called: web identities are built from the URL itself by `ContentIdentifier`.
    static func identify(_ url: NormalizedURL) -> ContentIdentity? { nil }

    /// Web keys are `web:host/path?query`; `ContentIdentity.canonicalURL` reads them without the rule.
    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        "https://" + type + ":" + id
    }
}
