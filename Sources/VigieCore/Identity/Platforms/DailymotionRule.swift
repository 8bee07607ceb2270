/// Dailymotion: videos (`/video/ID`, `/embed/video/ID`, `dai.ly/ID`, the player's `?video=ID`), playlists and
/// accounts (`/NAME`, case-insensitive). Video ids (`x8abcd1`) are case-sensitive; an old `ID_slug` loses its slug.
enum DailymotionRule: PlatformRule {
    static let platform = Platform.dailymotion
    static let displayName = "Dailymotion"
    static let hosts: [String: String] = [
        "dailymotion.com": "dailymotion.com", "touch.dailymotion.com": "dailymotion.com",
        "geo.dailymotion.com": "dailymotion.com", "dai.ly": "dai.ly",
    ]

    /// First path segments that are features, never account names.
    static let reserved: Set<String> = [
        "video", "embed", "playlist", "search", "signin", "signup", "settings", "library", "following", "us", "fr",
        "partner", "legal", "cdn", "player", "player.html", "live", "explore", "tv", "notifications", "upload",
    ]

    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        if u.host == "dai.ly" {
            guard s.count == 1 else { return nil }
            return video(s[0])
        }
        if u.host == "geo.dailymotion.com" {
            return u.value("video").flatMap { video($0[...]) }
        }
        guard let first = s.first else { return nil }
        switch folded(first) {
        case "video":
            return s.count == 2 ? video(s[1]) : nil
        case "embed":
            return s.count == 3 && eq(s[1], "video") ? video(s[2]) : nil
        case "playlist":
            guard s.count == 2, isWord(s[1], min: 2, max: 32, extra: "") else { return nil }
            return make("playlist", String(s[1]), .playlist)
        default:
            guard s.count <= 2, isWord(first, min: 2, max: 64, extra: "_-."),
                !reserved.contains(folded(first)), s.count == 1 || eq(s[1], "videos") || eq(s[1], "playlists")
            else { return nil }
            return make("account", folded(first), .account)
        }
    }

    /// `x8abcd1` or `x8abcd1_le-titre` → `x8abcd1`.
    private static func video(_ segment: Substring) -> ContentIdentity? {
        let id = segment.prefix { $0 != "_" }
        guard id.utf8.first == UInt8(ascii: "x") || id.utf8.first == UInt8(ascii: "k"),
            isWord(id, min: 5, max: 24, extra: "")
        else { return nil }
        return make("video", String(id), .video)
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        switch type {
        case "video": return "https://www.dailymotion.com/video/" + id
        case "playlist": return "https://www.dailymotion.com/playlist/" + id
        default: return "https://www.dailymotion.com/" + id
        }
    }
}
