enum YouTubeRule: PlatformRule {
    static let platform = Platform.youtube
    static let displayName = "YouTube"
    static let hosts: [String: String] = [
        "youtube.com": "youtube.com", "m.youtube.com": "youtube.com", "music.youtube.com": "youtube.com",
        "gaming.youtube.com": "youtube.com", "youtube-nocookie.com": "youtube.com", "youtu.be": "youtu.be",
    ]

    /// Channel tabs that still designate the channel (`/@handle/videos`).
    static let channelTabs: Set<String> = [
        "videos", "shorts", "streams", "live", "playlists", "community", "posts", "featured", "about", "channels",
        "podcasts", "releases", "store", "search",
    ]

    /// Videos (`watch?v=`, `/shorts/`, `/embed/`, `/live/`, `/v/`, `/e/`; `t=` and the rest ignored; ids are
    /// case-sensitive), a comment when `lc=` is given, playlists, and channels: `/@handle`, `/c/NAME`, `/user/NAME`
    /// (case-insensitive) and `/channel/UC…` (case-sensitive).
    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        if u.host == "youtu.be" { return short(u) }
        let s = u.segments
        guard let first = s.first else { return nil }
        if first.utf8.first == UInt8(ascii: "@") {
            let handle = first.dropFirst()
            guard !handle.isEmpty, s.count == 1 || (s.count == 2 && channelTabs.contains(folded(s[1])))
            else { return nil }
            return make("handle", folded(handle), .account)
        }
        switch folded(first) {
        case "watch":
            if let v = u.value("v"), isVideoID(v[...]) { return video(v, u) }
            if s.count == 2, isVideoID(s[1]) { return video(String(s[1]), u) }
        case "shorts", "embed", "live", "v", "e":
            if s.count >= 2, isVideoID(s[1]) { return video(String(s[1]), u) }
            if s.count == 2, eq(first, "embed"), eq(s[1], "videoseries"), let list = u.value("list"),
                isWord(list[...], max: 64, extra: "_-")
            {
                return make("playlist", list, .playlist)
            }
        case "playlist":
            if s.count == 1, let list = u.value("list"), isWord(list[...], max: 64, extra: "_-") {
                return make("playlist", list, .playlist)
            }
        case "channel":
            if s.count >= 2, isWord(s[1], max: 64, extra: "_-"),
                s.count == 2 || (s.count == 3 && channelTabs.contains(folded(s[2])))
            {
                return make("channel", String(s[1]), .account)
            }
        case "c", "user":
            if s.count >= 2, s.count == 2 || (s.count == 3 && channelTabs.contains(folded(s[2]))) {
                return make(folded(first), folded(s[1]), .account)
            }
        default:
            break
        }
        return nil
    }

    /// `youtu.be/ID`.
    static func short(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        guard s.count == 1, isVideoID(s[0]) else { return nil }
        return video(String(s[0]), u)
    }

    /// Eleven characters of the URL-safe base64 alphabet.
    static func isVideoID(_ s: Substring) -> Bool {
        s.utf8.count == 11 && isWord(s, max: 11, extra: "_-")
    }

    private static func video(_ id: String, _ u: NormalizedURL) -> ContentIdentity {
        if let lc = u.value("lc"), isWord(lc[...], max: 100, extra: "_-.") {
            return make("comment", id + "/" + lc, .comment)
        }
        return make("video", id, .video)
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        switch type {
        case "video": return "https://www.youtube.com/watch?v=" + id
        case "comment":
            let pieces = id.split(separator: "/", maxSplits: 1)
            return "https://www.youtube.com/watch?v=" + pieces[0] + "&lc=" + (pieces.count > 1 ? pieces[1] : "")
        case "playlist": return "https://www.youtube.com/playlist?list=" + id
        case "handle": return "https://www.youtube.com/@" + id
        default: return "https://www.youtube.com/" + type + "/" + id
        }
    }
}
