/// Platform-aware identities: which hosts belong to which platform, and the small helpers every platform rule uses.
///
/// Each platform rule returns nil when the path names nothing it knows; the URL is then a `.page` of that platform,
/// keyed like any web page but on the platform's canonical host (so `twitter.com/search?q=a` = `x.com/search?q=a`).
enum PlatformRules {
    enum Platform: Sendable {
        case x, youtube, youtubeShort, facebook, facebookLinkShim, instagram, tiktok, telegram, reddit, redditShort
        case googleRedirect

        /// The `platform` field of the identities it produces.
        var name: String {
            switch self {
            case .x: return "x"
            case .youtube, .youtubeShort: return "youtube"
            case .facebook: return "facebook"
            case .instagram: return "instagram"
            case .tiktok: return "tiktok"
            case .telegram: return "telegram"
            case .reddit, .redditShort: return "reddit"
            case .facebookLinkShim, .googleRedirect: return "web"
            }
        }
    }

    /// Host (already lowercased, without `www.`) → platform and the canonical host used for its `.page` keys.
    static let hosts: [String: (Platform, String)] = {
        var table: [String: (Platform, String)] = [:]
        for h in [
            "x.com", "twitter.com", "mobile.twitter.com", "m.twitter.com", "mobile.x.com", "m.x.com",
            "fxtwitter.com", "vxtwitter.com", "fixupx.com", "fixvx.com", "twittpr.com",
        ] {
            table[h] = (.x, "x.com")
        }
        for h in [
            "youtube.com", "m.youtube.com", "music.youtube.com", "gaming.youtube.com", "youtube-nocookie.com",
        ] {
            table[h] = (.youtube, "youtube.com")
        }
        table["youtu.be"] = (.youtubeShort, "youtu.be")
        for h in [
            "facebook.com", "m.facebook.com", "mbasic.facebook.com", "web.facebook.com", "touch.facebook.com",
            "mobile.facebook.com", "free.facebook.com", "d.facebook.com", "business.facebook.com", "fb.com",
            "m.fb.com",
        ] {
            table[h] = (.facebook, "facebook.com")
        }
        for h in ["l.facebook.com", "lm.facebook.com", "l.instagram.com"] { table[h] = (.facebookLinkShim, h) }
        for h in ["instagram.com", "m.instagram.com", "instagr.am", "ddinstagram.com", "d.ddinstagram.com"] {
            table[h] = (.instagram, "instagram.com")
        }
        for h in ["tiktok.com", "m.tiktok.com"] { table[h] = (.tiktok, "tiktok.com") }
        for h in ["t.me", "telegram.me", "telegram.dog"] { table[h] = (.telegram, "t.me") }
        for h in [
            "reddit.com", "old.reddit.com", "new.reddit.com", "np.reddit.com", "m.reddit.com", "i.reddit.com",
            "amp.reddit.com", "sh.reddit.com", "rxddit.com", "vxreddit.com",
        ] {
            table[h] = (.reddit, "reddit.com")
        }
        table["redd.it"] = (.redditShort, "redd.it")
        return table
    }()

    /// The platform serving `host`, if any.
    static func platform(forHost host: String) -> (Platform, String)? {
        if let hit = hosts[host] { return hit }
        // Locale subdomains: fr-fr.facebook.com, de-de.facebook.com …
        if host.utf8.count == 18, host.hasSuffix(".facebook.com") {
            let u = Array(host.utf8)
            if u[2] == UInt8(ascii: "-") { return (.facebook, "facebook.com") }
        }
        // google.com, google.fr, google.co.uk …: only its /url redirector is special.
        if host.hasPrefix("google."), host.utf8.count <= 7 + 6 { return (.googleRedirect, host) }
        return nil
    }

    // MARK: - Helpers shared by the platform rules

    /// ASCII case-insensitive comparison with a lowercase literal.
    @inline(__always)
    static func eq(_ s: Substring, _ lowercaseLiteral: String) -> Bool {
        s.utf8.elementsEqual(lowercaseLiteral.utf8) { a, b in
            (a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z") ? a | 0x20 : a) == b
        }
    }

    /// True when `s` is 1…`max` ASCII digits.
    @inline(__always)
    static func isDigits(_ s: Substring, max: Int = 24) -> Bool {
        let n = s.utf8.count
        return n > 0 && n <= max && s.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// True when `s` is `min`…`max` characters among ASCII letters, digits and `extra`.
    @inline(__always)
    static func isWord(_ s: Substring, min: Int = 1, max: Int, extra: String = "_") -> Bool {
        let n = s.utf8.count
        guard n >= min, n <= max else { return false }
        for c in s.utf8 {
            let alnum =
                (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
            if !alnum && !extra.utf8.contains(c) { return false }
        }
        return true
    }

    /// ASCII lowercase copy; a percent-encoded name is decoded, folded with Unicode rules and re-encoded.
    static func folded(_ s: Substring) -> String {
        if s.utf8.contains(UInt8(ascii: "%")) {
            let decoded = URLNormalizer.percentDecoded(String(s)).lowercased()
            var out: [UInt8] = []
            let hex = Array("0123456789ABCDEF".utf8)
            for c in decoded.utf8 {
                let unreserved =
                    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
                    || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                    || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || "-._~".utf8.contains(c)
                if unreserved {
                    out.append(c)
                } else {
                    out.append(contentsOf: [UInt8(ascii: "%"), hex[Int(c >> 4)], hex[Int(c & 0xF)]])
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        return IdentityRules.asciiLowercased(s)
    }

    /// An identity keyed `platform:type:id`.
    @inline(__always)
    static func make(
        _ platform: String, _ type: String, _ id: String, _ kind: ContentIdentity.Kind,
        account: ContentIdentity? = nil
    ) -> ContentIdentity {
        ContentIdentity(key: platform + ":" + type + ":" + id, platform: platform, kind: kind, account: account)
    }
}
