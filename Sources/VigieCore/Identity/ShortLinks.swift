/// Short-link services whose URLs say nothing of the content: they must be resolved (HTTP redirects) before
/// identification.
public enum ShortLinks {
    /// Hosts (without `www.`), or `host/path-prefix` with `*` standing for one whole segment.
    public static let defaultHosts: [String] = [
        "bit.ly", "bitly.com", "t.co", "tinyurl.com", "goo.gl", "g.co", "ow.ly", "buff.ly", "is.gd", "v.gd",
        "rebrand.ly", "cutt.ly", "shorturl.at", "tiny.cc", "rb.gy", "s.id", "t.ly", "x.gd", "lnkd.in", "dlvr.it",
        "ift.tt", "trib.al", "fb.me", "fb.watch", "vm.tiktok.com", "vt.tiktok.com", "tiktok.com/t", "pin.it",
        "amzn.to", "amzn.eu", "spoti.fi", "search.app", "share.google", "aka.ms", "lnk.to", "snip.ly", "shorte.st",
        "adf.ly", "cli.re", "qrco.de", "urlz.fr", "facebook.com/share", "reddit.com/r/*/s",
    ]

    /// True when `url` is an http(s) link on a short-link service (with a non-empty path) that needs resolving.
    public static func isShortLink(_ url: String, extraHosts: [String] = []) -> Bool {
        guard let u = URLNormalizer.normalize(url), u.path != "/" else { return false }
        let host = PlatformDirectory.platform(forHost: u.host)?.1 ?? u.host
        let segments = u.segments
        for entry in extraHosts.isEmpty ? defaultHosts : defaultHosts + extraHosts
        where matches(entry, host: host, segments: segments) {
            return true
        }
        return false
    }

    private static func matches(_ entry: String, host: String, segments: [Substring]) -> Bool {
        var parts = entry.split(separator: "/")
        guard !parts.isEmpty else { return false }
        var entryHost = IdentityRules.asciiLowercased(parts.removeFirst())
        if entryHost.hasPrefix("www.") { entryHost.removeFirst(4) }
        guard entryHost == host, parts.count < segments.count else { return false }
        for (pattern, segment) in zip(parts, segments) where pattern != "*" {
            guard IdentityText.eq(segment, IdentityRules.asciiLowercased(pattern)) else { return false }
        }
        return true
    }
}
