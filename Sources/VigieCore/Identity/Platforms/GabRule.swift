/// Gab: posts (`/USER/posts/ID`) and accounts (`/USER`, case-insensitive).
enum GabRule: PlatformRule {
    static let platform = Platform.gab
    static let displayName = "Gab"
    static let hosts: [String: String] = mapping(["gab.com"], canonical: "gab.com")

    /// First path segments that are features, never usernames.
    static let reserved: Set<String> = [
        "home", "explore", "groups", "group", "news", "search", "settings", "notifications", "timeline", "tags",
        "hashtag", "about", "auth", "compose", "messages", "chats", "marketplace", "shop", "tv", "trends", "pro",
        "lists", "bookmarks", "feeds", "help", "legal", "privacy", "terms", "api", "g", "link", "links", "polls",
    ]

    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        guard let first = s.first, isWord(first, max: 30), !reserved.contains(folded(first)) else { return nil }
        let owner = make("account", folded(first), .account)
        if s.count == 1 { return owner }
        guard s.count == 3, eq(s[1], "posts"), isDigits(s[2]) else { return nil }
        return make("post", String(s[2]), .post, account: owner)
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        if type == "post", let owner { return "https://gab.com/" + owner.id + "/posts/" + id }
        return "https://gab.com/" + id
    }
}
