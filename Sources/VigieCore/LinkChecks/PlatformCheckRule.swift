import Foundation

/// How a platform's contents are checked: the method, its oEmbed endpoint, and the final URLs that mean a login
/// wall (→ `unknown`) or a removal page (→ `removed`). Built-in defaults per `Platform`; `platforms.toml` overrides.
public struct PlatformCheckRule: Sendable, Equatable {
    public var method: LinkCheckMethod
    /// The endpoint with `{url}` where the content's URL goes (percent-encoded), e.g.
    /// `https://www.youtube.com/oembed?format=json&url={url}`; required when `method` is `oembed`.
    public var oembedEndpoint: String?
    /// Final URLs that are a login wall: `host` or `host/path-prefix` (`www.instagram.com/accounts/login`).
    public var loginWallHosts: [String]
    /// Final URLs that are the platform's "content removed" page, same form.
    public var removedFinalHosts: [String]

    public init(
        method: LinkCheckMethod = .http, oembedEndpoint: String? = nil, loginWallHosts: [String] = [],
        removedFinalHosts: [String] = []
    ) {
        self.method = method
        self.oembedEndpoint = oembedEndpoint
        self.loginWallHosts = loginWallHosts
        self.removedFinalHosts = removedFinalHosts
    }

    /// The rule Vigie uses when `platforms.toml` says nothing: oEmbed where the platform has a public endpoint that
    /// answers 404 for a removed content, the page otherwise.
    public static func builtIn(for platform: Platform) -> PlatformCheckRule {
        switch platform {
        case .youtube:
            return PlatformCheckRule(
                method: .oembed, oembedEndpoint: "https://www.youtube.com/oembed?format=json&url={url}")
        case .tiktok:
            return PlatformCheckRule(method: .oembed, oembedEndpoint: "https://www.tiktok.com/oembed?url={url}")
        case .x:
            return PlatformCheckRule(
                method: .oembed, oembedEndpoint: "https://publish.twitter.com/oembed?omit_script=1&url={url}",
                loginWallHosts: ["x.com/i/flow/login", "twitter.com/login", "x.com/login"])
        case .dailymotion:
            return PlatformCheckRule(
                method: .oembed, oembedEndpoint: "https://www.dailymotion.com/services/oembed?url={url}")
        case .instagram:
            return PlatformCheckRule(
                loginWallHosts: ["www.instagram.com/accounts/login", "instagram.com/accounts/login"])
        case .facebook:
            return PlatformCheckRule(
                loginWallHosts: [
                    "www.facebook.com/login", "m.facebook.com/login", "facebook.com/login",
                    "www.facebook.com/checkpoint",
                ])
        case .threads:
            return PlatformCheckRule(loginWallHosts: ["www.threads.net/login", "www.threads.com/login"])
        case .linkedin:
            return PlatformCheckRule(loginWallHosts: ["www.linkedin.com/authwall", "www.linkedin.com/login"])
        case .reddit:
            return PlatformCheckRule(loginWallHosts: ["www.reddit.com/login"])
        case .web, .telegram, .bluesky, .vk, .rumble, .odysee, .twitch, .kick, .gab, .truthsocial, .discord:
            return PlatformCheckRule()
        }
    }

    /// The URL to request for `url`: the page itself, or the oEmbed endpoint asking about it.
    public func requestURL(for url: String) -> (url: String, method: LinkCheckMethod) {
        guard method == .oembed, let endpoint = oembedEndpoint, endpoint.contains("{url}") else { return (url, .http) }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = url.addingPercentEncoding(withAllowedCharacters: allowed) ?? url
        return (endpoint.replacingOccurrences(of: "{url}", with: encoded), .oembed)
    }

    /// The verdict on what the client saw; the check's detail says why in a few words.
    public func verdict(_ probe: LinkProbe, method: LinkCheckMethod) -> (verdict: LinkVerdict, detail: String) {
        switch probe.failure {
        case .timeout?: return (.unknown, "timeout")
        case .unreachable(let why)?: return (.unknown, "unreachable: \(why)")
        case .other(let why)?: return (.unknown, why)
        case nil: break
        }
        if let final = probe.finalURL {
            if Self.matches(final, removedFinalHosts) { return (.removed, "removal page \(final)") }
            if Self.matches(final, loginWallHosts) { return (.unknown, "login wall at \(final)") }
        }
        let what = method == .oembed ? "oEmbed HTTP \(probe.status)" : "HTTP \(probe.status)"
        switch probe.status {
        case 200..<300: return (.online, what)
        // 451: withheld for legal reasons, which is what a notice asks for.
        case 404, 410, 451: return (.removed, what)
        default: return (.unknown, what)
        }
    }

    /// Whether `url`'s host (and path) starts with one of `markers` (`host` or `host/path-prefix`).
    static func matches(_ url: String, _ markers: [String]) -> Bool {
        guard !markers.isEmpty, let c = URLComponents(string: url), let host = c.host?.lowercased() else {
            return false
        }
        let target = host + c.path
        return markers.contains { m in
            let m = m.lowercased()
            return m.contains("/") ? target.hasPrefix(m) : host == m
        }
    }
}
