/// Kick: videos (`/CHANNEL/videos/UUID`, `/video/UUID`; the UUID is lowercased), clips (`/CHANNEL/clips/clip_ID`,
/// `/CHANNEL?clip=clip_ID`; case-sensitive) and channels (`/CHANNEL`, case-insensitive).
enum KickRule: PlatformRule {
    static let platform = Platform.kick
    static let displayName = "Kick"
    static let hosts: [String: String] = mapping(["kick.com", "m.kick.com"], canonical: "kick.com")

    /// First path segments that are features, never channel names.
    static let reserved: Set<String> = [
        "categories", "category", "browse", "following", "search", "dashboard", "settings", "video", "videos",
        "clips", "privacy-policy", "terms-of-service", "community-guidelines", "dmca-policy", "about", "login",
        "signup", "subscriptions", "help", "api", "stream", "streams", "kick-partner-program", "careers", "contact",
    ]

    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        guard let first = s.first else { return nil }
        if eq(first, "video") { return s.count == 2 ? video(s[1], owner: nil) : nil }
        guard isWord(first, min: 2, max: 25, extra: "_-"), !reserved.contains(folded(first)) else { return nil }
        let owner = make("channel", folded(first), .account)
        if s.count == 1 {
            if let slug = u.value("clip") { return clip(slug[...], owner: owner) }
            return owner
        }
        if s.count == 2, eq(s[1], "videos") || eq(s[1], "clips") || eq(s[1], "about") { return owner }
        guard s.count == 3 else { return nil }
        if eq(s[1], "videos") { return video(s[2], owner: owner) }
        if eq(s[1], "clips") { return clip(s[2], owner: owner) }
        return nil
    }

    private static func video(_ id: Substring, owner: ContentIdentity?) -> ContentIdentity? {
        guard id.utf8.count == 36, isWord(id, max: 36, extra: "-") else { return nil }
        return make("video", folded(id), .video, account: owner)
    }

    private static func clip(_ slug: Substring, owner: ContentIdentity?) -> ContentIdentity? {
        guard slug.hasPrefix("clip_"), isWord(slug, min: 8, max: 64, extra: "_-") else { return nil }
        return make("clip", String(slug), .video, account: owner)
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        switch type {
        case "video": return "https://kick.com/" + (owner.map { $0.id + "/videos/" } ?? "video/") + id
        case "clip": return "https://kick.com/" + (owner?.id ?? "") + "/clips/" + id
        default: return "https://kick.com/" + id
        }
    }
}
