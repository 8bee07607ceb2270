/// Turns a reported URL into its content identity, so that every form of one content lands in one cluster.
public enum ContentIdentifier {
    /// The identity of `url`; nil for non-http(s) schemes and for URLs without a usable host.
    public static func identify(_ url: String, rules: IdentityRules = .default) -> ContentIdentity? {
        identify(url, rules: rules, unwrapDepth: 0)
    }

    private static func identify(_ url: String, rules: IdentityRules, unwrapDepth: Int) -> ContentIdentity? {
        guard let u = URLNormalizer.normalize(url) else { return nil }
        guard let (platform, canonicalHost) = PlatformRules.platform(forHost: u.host) else {
            return ContentIdentity(key: webKey(u, host: u.host, rules: rules), platform: "web", kind: .page)
        }
        let found: ContentIdentity?
        switch platform {
        case .x: found = PlatformRules.x(u)
        case .youtube: found = PlatformRules.youtube(u)
        case .youtubeShort: found = PlatformRules.youtubeShort(u)
        case .facebook: found = PlatformRules.facebook(u)
        case .instagram: found = PlatformRules.instagram(u)
        case .tiktok: found = PlatformRules.tiktok(u)
        case .telegram: found = PlatformRules.telegram(u)
        case .reddit: found = PlatformRules.reddit(u)
        case .redditShort: found = PlatformRules.redditShort(u)
        case .facebookLinkShim, .googleRedirect:
            found = unwrap(u, platform: platform, rules: rules, unwrapDepth: unwrapDepth)
        }
        if let found { return found }
        // A page of the platform we have no rule for (search, settings …): keyed like any page, on the canonical host.
        return ContentIdentity(
            key: webKey(u, host: canonicalHost, rules: rules), platform: platform.name, kind: .page)
    }

    /// Link shims (`l.facebook.com/l.php?u=`, `google.*/url?q=`) stand for the URL they carry.
    private static func unwrap(
        _ u: NormalizedURL, platform: PlatformRules.Platform, rules: IdentityRules, unwrapDepth: Int
    ) -> ContentIdentity? {
        guard unwrapDepth < 2 else { return nil }
        let target: String?
        switch platform {
        case .facebookLinkShim: target = u.path == "/l.php" ? u.value("u") : nil
        case .googleRedirect: target = u.path == "/url" ? (u.value("q") ?? u.value("url")) : nil
        default: target = nil
        }
        guard let target else { return nil }
        return identify(URLNormalizer.percentDecoded(target), rules: rules, unwrapDepth: unwrapDepth + 1)
    }

    /// `web:` + host[:port] + path + sorted non-tracking parameters.
    static func webKey(_ u: NormalizedURL, host: String, rules: IdentityRules) -> String {
        var key = "web:"
        key.reserveCapacity(4 + host.utf8.count + u.path.utf8.count + 16)
        key += host
        if let port = u.port {
            key += ":"
            key += port
        }
        key += u.path
        var kept: [QueryItem] = []
        for item in u.query where !rules.isTracking(name: item.name, host: host) { kept.append(item) }
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
