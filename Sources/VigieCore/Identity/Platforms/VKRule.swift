/// VK (VKontakte): wall posts (`/wall-1_2`, also opened over any page as `?w=wall-1_2`), videos and clips (one id
/// space: `/video-1_2`, `/clip-1_2`, `?z=video-1_2`), photos, and accounts: `/id1` (user), `/club1`, `/public1`,
/// `/event1` (community) and short names (case-insensitive). A negative owner id is a community, a positive one a
/// user, so a post knows its account; a short name and the numeric id of one account stay two identities.
enum VKRule: PlatformRule {
    static let platform = Platform.vk
    static let displayName = "VK (VKontakte)"
    static let hosts: [String: String] = mapping(
        ["vk.com", "m.vk.com", "vk.ru", "m.vk.ru", "vkontakte.ru", "new.vk.com"], canonical: "vk.com")

    /// First path segments that are features, never short names.
    static let reserved: Set<String> = [
        "feed", "im", "friends", "groups", "video", "videos", "music", "audio", "audios", "clips", "search",
        "settings", "login", "join", "about", "support", "terms", "privacy", "dev", "apps", "app", "market",
        "services", "docs", "bookmarks", "away.php", "share.php", "mail", "notifications", "photos", "albums",
        "blog", "jobs", "press", "legal", "help", "wall", "topic", "page", "board", "note", "notes", "restore",
        "podcasts", "stickers", "gifts", "games", "verify", "vkpay", "reg", "edit",
    ]

    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        // A post or video opened in a layer over another page.
        if let w = u.value("w"), let post = item(w[...]) { return post }
        if let z = u.value("z"), let layered = item(Substring(z.utf8.prefix { $0 != UInt8(ascii: "%") })) {
            return layered
        }
        let s = u.segments
        guard let first = s.first else { return nil }
        if s.count == 1, let content = item(first) { return content }
        guard s.count == 1 else { return nil }
        for (prefix, type) in [("id", "id"), ("club", "club"), ("public", "club"), ("event", "club")] {
            if let n = dropping(prefix: prefix, from: first), isDigits(n, max: 12) {
                return make(type, String(n), .account)
            }
        }
        guard isWord(first, min: 2, max: 32, extra: "_."), !reserved.contains(folded(first)) else { return nil }
        return make("account", folded(first), .account)
    }

    /// `wall-1_2`, `video-1_2`, `clip-1_2`, `photo-1_2` (owner id, item id).
    private static func item(_ s: Substring) -> ContentIdentity? {
        for (prefix, type, kind) in [
            ("wall", "post", ContentIdentity.Kind.post), ("video", "video", .video), ("clip", "video", .video),
            ("photo", "photo", .photo),
        ] {
            guard let rest = dropping(prefix: prefix, from: s) else { continue }
            let parts = rest.split(separator: "_", omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            let ownerID = parts[0].hasPrefix("-") ? parts[0].dropFirst() : parts[0]
            guard isDigits(ownerID, max: 12), isDigits(parts[1], max: 12) else { return nil }
            let owner =
                parts[0].hasPrefix("-")
                ? make("club", String(ownerID), .account) : make("id", String(ownerID), .account)
            return make(type, String(rest), kind, account: owner)
        }
        return nil
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        switch type {
        case "post": return "https://vk.com/wall" + id
        case "video", "photo": return "https://vk.com/" + type + id
        default: return "https://vk.com/" + (type == "account" ? "" : type) + id
        }
    }
}
