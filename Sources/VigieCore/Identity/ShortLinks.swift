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
        if let patterns = defaultEntries[host], patterns.contains(where: { matches($0, segments: segments) }) {
            return true
        }
        for extra in extraHosts {
            if let e = Entry(extra), e.host == host, matches(e.patterns, segments: segments) { return true }
        }
        return false
    }

    /// One `host[/pattern…]` entry, parsed: the host lowercased without `www.`, the patterns lowercased.
    struct Entry {
        var host: String
        var patterns: [String]

        init?(_ entry: String) {
            var parts = entry.split(separator: "/")
            guard !parts.isEmpty else { return nil }
            var entryHost = IdentityRules.asciiLowercased(parts.removeFirst())
            if entryHost.hasPrefix("www.") { entryHost.removeFirst(4) }
            host = entryHost
            patterns = parts.map { IdentityRules.asciiLowercased($0) }
        }
    }

    /// The default entries by host, parsed once (this test runs for every reported URL).
    private static let defaultEntries: [String: [[String]]] = Dictionary(
        defaultHosts.compactMap(Entry.init).map { ($0.host, [$0.patterns]) }, uniquingKeysWith: +)

    private static func matches(_ patterns: [String], segments: [Substring]) -> Bool {
        guard patterns.count < segments.count else { return false }
        for (pattern, segment) in zip(patterns, segments) where pattern != "*" {
            guard IdentityText.eq(segment, pattern) else { return false }
        }
        return true
    }
}
