/// Twitch: videos (`/videos/ID`, `/CHANNEL/video/ID`, the player's `?video=vID`), clips (`clips.twitch.tv/SLUG`,
/// `/CHANNEL/clip/SLUG`; slugs are case-sensitive) and channels (`/CHANNEL`, case-insensitive).
enum TwitchRule: PlatformRule {
    static let platform = Platform.twitch
    static let displayName = "Twitch"
    static let hosts: [String: String] = [
        "twitch.tv": "twitch.tv", "m.twitch.tv": "twitch.tv", "go.twitch.tv": "twitch.tv",
        "player.twitch.tv": "twitch.tv", "clips.twitch.tv": "clips.twitch.tv",
    ]

    /// First path segments that are features, never channel names.
    static let reserved: Set<String> = [
        "directory", "videos", "settings", "search", "subscriptions", "inventory", "wallet", "drops", "turbo",
        "prime", "friends", "messages", "login", "signup", "store", "moderator", "popout", "broadcast", "u", "team",
        "p", "downloads", "jobs", "bits", "products", "following", "embed", "clip", "clips", "legal", "privacy",
        "terms-of-service", "dashboard", "creatorcamp", "help", "safety", "user", "collections", "event", "activate",
    ]

    /// Channel tabs that still designate the channel.
    static let channelTabs: Set<String> = ["videos", "clips", "about", "schedule", "home", "collections"]

    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        if u.host == "player.twitch.tv" {
            if let v = u.value("video") { return video(v.hasPrefix("v") ? v.dropFirst() : v[...]) }
            if let c = u.value("channel"), let owner = channel(c[...]) { return owner }
            return nil
        }
        if u.host == "clips.twitch.tv" {
            if s.count == 1, !eq(s[0], "embed") { return clip(s[0], owner: nil) }
            if s.count == 1, let slug = u.value("clip") { return clip(slug[...], owner: nil) }
            return nil
        }
        guard let first = s.first else { return nil }
        if eq(first, "videos") { return s.count == 2 ? video(s[1]) : nil }
        guard let owner = channel(first) else { return nil }
        if s.count == 1 || (s.count == 2 && channelTabs.contains(folded(s[1]))) { return owner }
        guard s.count == 3 else { return nil }
        if eq(s[1], "video") || eq(s[1], "v") { return video(s[2], owner: owner) }
        if eq(s[1], "clip") { return clip(s[2], owner: owner) }
        return nil
    }

    private static func channel(_ s: Substring) -> ContentIdentity? {
        guard isWord(s, min: 2, max: 25), !reserved.contains(folded(s)) else { return nil }
        return make("channel", folded(s), .account)
    }

    private static func video(_ id: Substring, owner: ContentIdentity? = nil) -> ContentIdentity? {
        isDigits(id, max: 12) ? make("video", String(id), .video, account: owner) : nil
    }

    private static func clip(_ slug: Substring, owner: ContentIdentity?) -> ContentIdentity? {
        isWord(slug, min: 4, max: 100, extra: "_-") ? make("clip", String(slug), .video, account: owner) : nil
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        switch type {
        case "video":
            return "https://www.twitch.tv/" + (owner.map { $0.id + "/video/" } ?? "videos/") + id
        case "clip":
            guard let owner else { return "https://clips.twitch.tv/" + id }
            return "https://www.twitch.tv/" + owner.id + "/clip/" + id
        default:
            return "https://www.twitch.tv/" + id
        }
    }
}
