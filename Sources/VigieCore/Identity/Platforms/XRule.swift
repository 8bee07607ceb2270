enum XRule: PlatformRule {
    static let platform = Platform.x
    static let displayName = "X (anciennement Twitter)"

    /// X itself, its old and mobile hosts, the embed fixers (fxtwitter, vxtwitter, fixupx…) and the read-only
    /// mirrors (Nitter instances, xcancel): they all serve X's paths, so they share X's identities.
    static let hosts: [String: String] = mapping(
        [
            "x.com", "twitter.com", "mobile.twitter.com", "m.twitter.com", "mobile.x.com", "m.x.com",
            "fxtwitter.com", "vxtwitter.com", "fixupx.com", "fixvx.com", "twittpr.com",
            "nitter.net", "xcancel.com", "nitter.poast.org", "nitter.privacydev.net", "nitter.tiekoetter.com",
            "nitter.space", "nitter.privacyredirect.com", "nitter.lacontrevoie.fr", "nitter.fdn.fr", "nitter.1d4.us",
            "nitter.kavin.rocks", "nitter.unixfox.eu", "nitter.it", "nitter.cz", "nitter.tux.pizza",
            "lightbrd.com", "nitter.catsarch.com",
        ], canonical: "x.com")

    /// First path segments on X that are features, never usernames.
    static let reserved: Set<String> = [
        "home", "search", "explore", "i", "intent", "hashtag", "settings", "notifications", "messages", "compose",
        "login", "logout", "signup", "tos", "privacy", "share", "account", "download", "jobs", "about", "communities",
        "bookmarks", "lists", "topics", "premium", "oauth", "personalization", "rules", "help", "en", "statuses",
        "status", "search_advanced", "following", "followers", "who_to_follow", "live", "spaces", "grok", "verified",
        "twitter", "x", "places", "web", "webview",
    ]

    /// Profile tabs: `x.com/user/media` is still the account.
    static let accountTabs: Set<String> = [
        "with_replies", "media", "likes", "highlights", "followers", "following", "verified_followers", "articles",
        "superfollows", "affiliates", "photo", "header_photo", "lists",
    ]

    /// Posts (`/USER/status/ID`, `/i/web/status/ID`, `/statuses/ID` …, any trailing `/photo/1`, `/analytics`) and
    /// accounts (`/USER`); usernames are case-insensitive on X.
    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        let path = u.path == "/" ? (u.hashbangPath ?? u.path) : u.path
        let s = NormalizedURL.split(path)
        guard let first = s.first else { return nil }
        if eq(first, "i") {
            if s.count >= 4, eq(s[1], "web"), eq(s[2], "status"), isDigits(s[3]) { return post(s[3], user: nil) }
            if s.count >= 3, eq(s[1], "status") || eq(s[1], "statuses"), isDigits(s[2]) {
                return post(s[2], user: nil)
            }
            return nil
        }
        if s.count >= 2, eq(first, "statuses"), isDigits(s[1]) { return post(s[1], user: nil) }
        guard isWord(first, max: 50), !reserved.contains(folded(first)) else { return nil }
        if s.count >= 3, eq(s[1], "status") || eq(s[1], "statuses"), isDigits(s[2]) {
            return post(s[2], user: first)
        }
        if s.count == 1 || (s.count == 2 && accountTabs.contains(folded(s[1]))) { return account(first) }
        return nil
    }

    static func account(_ user: Substring) -> ContentIdentity {
        make("account", folded(user), .account)
    }

    static func post(_ id: Substring, user: Substring?) -> ContentIdentity {
        make("status", String(id), .post, account: user.map(account))
    }
}

extension XRule {
    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        if type == "status" { return "https://x.com/" + (owner?.id ?? "i") + "/status/" + id }
        return "https://x.com/" + id
    }
}
