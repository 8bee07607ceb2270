extension PlatformRules {
    /// First path segments on X that are features, never usernames.
    static let xReserved: Set<String> = [
        "home", "search", "explore", "i", "intent", "hashtag", "settings", "notifications", "messages", "compose",
        "login", "logout", "signup", "tos", "privacy", "share", "account", "download", "jobs", "about", "communities",
        "bookmarks", "lists", "topics", "premium", "oauth", "personalization", "rules", "help", "en", "statuses",
        "status", "search_advanced", "following", "followers", "who_to_follow", "live", "spaces", "grok", "verified",
        "twitter", "x", "places", "web", "webview",
    ]

    /// Profile tabs: `x.com/user/media` is still the account.
    static let xAccountTabs: Set<String> = [
        "with_replies", "media", "likes", "highlights", "followers", "following", "verified_followers", "articles",
        "superfollows", "affiliates", "photo", "header_photo", "lists",
    ]

    /// Posts (`/USER/status/ID`, `/i/web/status/ID`, `/statuses/ID` …, any trailing `/photo/1`, `/analytics`) and
    /// accounts (`/USER`); usernames are case-insensitive on X.
    static func x(_ u: NormalizedURL) -> ContentIdentity? {
        let path = u.path == "/" ? (u.hashbangPath ?? u.path) : u.path
        let s = NormalizedURL.split(path)
        guard let first = s.first else { return nil }
        if eq(first, "i") {
            if s.count >= 4, eq(s[1], "web"), eq(s[2], "status"), isDigits(s[3]) { return xPost(s[3], user: nil) }
            if s.count >= 3, eq(s[1], "status") || eq(s[1], "statuses"), isDigits(s[2]) {
                return xPost(s[2], user: nil)
            }
            return nil
        }
        if s.count >= 2, eq(first, "statuses"), isDigits(s[1]) { return xPost(s[1], user: nil) }
        guard isWord(first, max: 50), !xReserved.contains(folded(first)) else { return nil }
        if s.count >= 3, eq(s[1], "status") || eq(s[1], "statuses"), isDigits(s[2]) {
            return xPost(s[2], user: first)
        }
        if s.count == 1 || (s.count == 2 && xAccountTabs.contains(folded(s[1]))) { return xAccount(first) }
        return nil
    }

    static func xAccount(_ user: Substring) -> ContentIdentity {
        make("x", "account", folded(user), .account)
    }

    static func xPost(_ id: Substring, user: Substring?) -> ContentIdentity {
        make("x", "status", String(id), .post, account: user.map(xAccount))
    }
}
