enum InstagramRule: PlatformRule {
    static let platform = Platform.instagram
    static let displayName = "Instagram"
    static let hosts: [String: String] = mapping(
        ["instagram.com", "m.instagram.com", "instagr.am", "ddinstagram.com", "d.ddinstagram.com"],
        canonical: "instagram.com")

    /// First path segments on Instagram that are features, never usernames.
    static let reserved: Set<String> = [
        "explore", "accounts", "direct", "stories", "about", "developer", "legal", "p", "reel", "reels", "tv", "web",
        "emails", "challenge", "session", "privacy", "terms", "api", "static", "oauth", "directory", "graphql", "ar",
        "lite", "create", "nametag", "your_activity", "archive", "invites", "press", "blog", "help", "s", "threads",
        "popular", "topics", "locations", "audio",
    ]

    /// Profile tabs that still designate the account.
    static let accountTabs: Set<String> = ["reels", "tagged", "saved", "followers", "following", "guides"]

    /// Posts: `/p/`, `/reel/`, `/reels/` and `/tv/` share one shortcode space (Instagram opens any of them under any
    /// of these prefixes), so they are ONE identity `instagram:post:SHORTCODE` of kind `.post`; shortcodes are
    /// case-sensitive. Also `/USER/p/ID` (with its account), stories and accounts (case-insensitive usernames).
    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        guard let first = s.first else { return nil }
        let head = folded(first)
        if head == "p" || head == "reel" || head == "reels" || head == "tv" {
            guard s.count >= 2, isShortcode(s[1]) else { return nil }
            return make("post", String(s[1]), .post)
        }
        if head == "stories" {
            guard s.count >= 2, isUser(s[1]), !reserved.contains(folded(s[1])),
                !eq(s[1], "highlights")
            else { return nil }
            let owner = account(s[1])
            if s.count == 2 { return owner }
            if s.count == 3, isDigits(s[2]) { return make("story", String(s[2]), .story, account: owner) }
            return nil
        }
        guard isUser(first), !reserved.contains(head) else { return nil }
        let owner = account(first)
        if s.count == 1 { return owner }
        let tab = folded(s[1])
        if s.count >= 3, tab == "p" || tab == "reel" || tab == "tv", isShortcode(s[2]) {
            return make("post", String(s[2]), .post, account: owner)
        }
        return s.count == 2 && accountTabs.contains(tab) ? owner : nil
    }

    static func account(_ user: Substring) -> ContentIdentity {
        make("account", folded(user), .account)
    }

    static func isUser(_ s: Substring) -> Bool { isWord(s, max: 30, extra: "._") }

    /// Shortcodes are 6+ characters of URL-safe base64 (which keeps `/reels/audio/…` out).
    static func isShortcode(_ s: Substring) -> Bool { isWord(s, min: 6, max: 64, extra: "_-") }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        switch type {
        case "post": return "https://www.instagram.com/" + (owner.map { $0.id + "/" } ?? "") + "p/" + id + "/"
        case "story": return "https://www.instagram.com/stories/" + (owner?.id ?? "") + "/" + id + "/"
        default: return "https://www.instagram.com/" + id + "/"
        }
    }
}
