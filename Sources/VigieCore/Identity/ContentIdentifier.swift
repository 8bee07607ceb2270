/// Turns a reported URL into its content identity, so that every form of one content lands in one cluster.
public enum ContentIdentifier {
    /// The identity of `url`; nil for non-http(s) schemes, URLs without a usable host and a platform's bare host.
    ///
    /// Redirect wrappers (Safe Links, Proofpoint, `l.facebook.com` …) are unwrapped first: the identity is the
    /// target's; a wrapper whose target cannot be decoded is identified as it is.
    public static func identify(_ url: String, rules: IdentityRules = .default) -> ContentIdentity? {
        guard let written = URLNormalizer.normalize(url) else { return nil }
        let u = rules.wrapperIndex.unwrapped(written, raw: url).url
        guard let (platform, canonicalHost) = PlatformDirectory.platform(forHost: u.host) else {
            return ContentIdentity(key: webKey(u, host: u.host, rules: rules), platform: .web, kind: .page)
        }
        if let found = platform.rule.identify(u) { return found }
        // A platform's home page (`https://x.com/`, "vu sur web.facebook.com" in prose) is no content.
        if u.path == "/" { return nil }
        // A page of the platform we have no rule for (search, settings …): keyed like any page, on the canonical host.
        return ContentIdentity(key: webKey(u, host: canonicalHost, rules: rules), platform: platform, kind: .page)
    }

    /// The URL `url` carries once every redirect wrapper around it is removed (`url` itself when it is none): the
    /// link to follow when it is a short link, so that a wrapped `bit.ly/…` is resolved without the wrapper.
    public static func unwrapped(_ url: String, rules: IdentityRules = .default) -> String {
        guard let written = URLNormalizer.normalize(url) else { return url }
        return rules.wrapperIndex.unwrapped(written, raw: url).text
    }

    /// The URL as written, up to what never tells two contents apart (wrappers removed, scheme, case of the host,
    /// `www.`, default port, percent-encoding, parameter order, fragment): `host[:port]/path?all=parameters`, tracking
    /// ones kept. What a moderator's split catches (`IdentityOverrides`); nil where `identify` finds no URL.
    public static func literalKey(_ url: String, rules: IdentityRules = .default) -> String? {
        guard let written = URLNormalizer.normalize(url) else { return nil }
        let u = rules.wrapperIndex.unwrapped(written, raw: url).url
        return String(webKey(u, host: u.host, rules: rules, keepTracking: true).dropFirst(4))
    }

    /// `web:` + host[:port] + path + sorted non-tracking parameters (every parameter with `keepTracking`).
    static func webKey(_ u: NormalizedURL, host: String, rules: IdentityRules, keepTracking: Bool = false) -> String {
        var key = "web:"
        key.reserveCapacity(4 + host.utf8.count + u.path.utf8.count + 16)
        key += host
        if let port = u.port {
            key += ":"
            key += port
        }
        key += u.path
        var kept: [QueryItem] = []
        for item in u.query where keepTracking || !rules.isTracking(name: item.name, host: host) { kept.append(item) }
        if kept.isEmpty { return key }
        if kept.count > 1 {
            kept.sort { a, b in
                if a.name != b.name { return a.name.utf8.lexicographicallyPrecedes(b.name.utf8) }
                guard let av = a.value else { return b.value != nil }
                guard let bv = b.value else { return false }
                return av.utf8.lexicographicallyPrecedes(bv.utf8)
            }
        }
        var separator = "?"
        for item in kept {
            key += separator
            key += item.name
            if let value = item.value {
                key += "="
                key += value
            }
            separator = "&"
        }
        return key
    }
}
