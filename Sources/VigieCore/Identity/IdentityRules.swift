/// What URL normalisation may throw away (the one editable list of tracking parameters) and which links only wrap
/// another one; configuration extends both.
public struct IdentityRules: Sendable {
    /// Query parameter names (lowercase) that never select content, on any host.
    public var trackingParameters: Set<String>
    /// Name prefixes (lowercase) that mark a tracking parameter, such as `utm_`.
    public var trackingPrefixes: [String]
    /// Parameters that are tracking only on one host (canonical host, without `www.`), such as `s` and `t` on x.com.
    public var hostTrackingParameters: [String: Set<String>]
    /// Links that stand for the URL they carry, unwrapped before identity (built-in ones first).
    public private(set) var redirectWrappers: [RedirectWrapper]
    /// `redirectWrappers` indexed by host.
    private(set) var wrapperIndex: RedirectWrapperIndex

    /// Rules with exactly these lists; names and hosts are lowercased.
    public init(
        trackingParameters: Set<String>, trackingPrefixes: [String],
        hostTrackingParameters: [String: Set<String>] = [:],
        redirectWrappers: [RedirectWrapper] = RedirectWrapper.builtIn
    ) {
        self.redirectWrappers = redirectWrappers
        self.wrapperIndex = RedirectWrapperIndex(redirectWrappers)
        self.trackingParameters = Set(trackingParameters.map { $0.lowercased() })
        self.trackingPrefixes = trackingPrefixes.map { $0.lowercased() }
        var perHost: [String: Set<String>] = [:]
        for (host, names) in hostTrackingParameters {
            perHost[host.lowercased(), default: []].formUnion(names.map { $0.lowercased() })
        }
        self.hostTrackingParameters = perHost
    }

    /// The shipped list. Parameters that select content (`id`, `v`, `p`, `q`, `page`…) must never appear here.
    public static let `default` = IdentityRules(
        trackingParameters: [
            // Google / analytics
            "gclid", "gclsrc", "gbraid", "wbraid", "dclid", "_ga", "_gl", "srsltid",
            // Meta
            "fbclid", "igsh", "igshid", "mibextid", "rdid", "share_url", "__cft__", "__tn__", "__xts__", "paipv",
            "sfnsn", "extid",
            // Microsoft, Yandex, X, TikTok, LinkedIn
            "msclkid", "yclid", "ysclid", "twclid", "ttclid", "li_fat_id", "trk", "trackingid",
            // Mailchimp, HubSpot, Marketo, Piwik/Matomo, others
            "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "pk_campaign", "pk_kwd", "pk_source", "pk_medium",
            "pk_content", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "epik",
            // Share-sheet markers
            "ref_src", "ref_url", "si", "feature", "pp", "share_id", "share_source", "is_from_webapp", "sender_device",
            "is_copy_url", "web_id",
        ],
        trackingPrefixes: ["utm_", "mtm_", "hsa_"],
        hostTrackingParameters: [
            "x.com": ["s", "t", "ref_src", "ref_url"]
        ])

    /// A copy whose list also holds `names` (from configuration).
    public func adding(trackingParameters names: [String], prefixes: [String] = []) -> IdentityRules {
        var copy = self
        copy.trackingParameters.formUnion(names.map { $0.lowercased() })
        copy.trackingPrefixes += prefixes.map { $0.lowercased() }
        return copy
    }

    /// A copy that also unwraps `wrappers` (from configuration).
    public func adding(redirectWrappers wrappers: [RedirectWrapper]) -> IdentityRules {
        var copy = self
        copy.redirectWrappers += wrappers
        copy.wrapperIndex = RedirectWrapperIndex(copy.redirectWrappers)
        return copy
    }

    /// True when the query parameter `name` (as written in the URL) on `host` is tracking noise.
    ///
    /// Array-style names (`__cft__[0]`, `__cft__%5B0%5D`) are matched on the part before the bracket.
    public func isTracking(name: String, host: String) -> Bool {
        var base = Substring(name)
        if let bracket = base.firstIndex(of: "[") {
            base = base[..<bracket]
        } else if let pct = Self.indexOfEncodedBracket(base) {
            base = base[..<pct]
        }
        let lower = Self.asciiLowercased(base)
        if trackingParameters.contains(lower) { return true }
        for prefix in trackingPrefixes where lower.hasPrefix(prefix) { return true }
        if let perHost = hostTrackingParameters[host], perHost.contains(lower) { return true }
        return false
    }

    static func indexOfEncodedBracket(_ s: Substring) -> Substring.Index? {
        let u = s.utf8
        var i = u.startIndex
        while i != u.endIndex {
            if u[i] == UInt8(ascii: "%") {
                let j = u.index(after: i)
                if j != u.endIndex, u[j] == UInt8(ascii: "5") {
                    let k = u.index(after: j)
                    if k != u.endIndex, u[k] | 0x20 == UInt8(ascii: "b") { return i }
                }
            }
            i = u.index(after: i)
        }
        return nil
    }

    @inline(__always)
    static func asciiLowercased(_ s: Substring) -> String {
        var needs = false
        for b in s.utf8 where b >= 0x41 && b <= 0x5A {
            needs = true
            break
        }
        if !needs { return String(s) }
        return String(decoding: s.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
