extension PlatformRules {
    /// Channel tabs that still designate the channel (`/@handle/videos`).
    static let youtubeChannelTabs: Set<String> = [
        "videos", "shorts", "streams", "live", "playlists", "community", "posts", "featured", "about", "channels",
        "podcasts", "releases", "store", "search",
    ]

    /// Videos (`watch?v=`, `/shorts/`, `/embed/`, `/live/`, `/v/`, `/e/`; `t=` and the rest ignored; ids are
    /// case-sensitive), a comment when `lc=` is given, playlists, and channels: `/@handle`, `/c/NAME`, `/user/NAME`
    /// (case-insensitive) and `/channel/UC…` (case-sensitive).
    static func youtube(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        guard let first = s.first else { return nil }
        if first.utf8.first == UInt8(ascii: "@") {
            let handle = first.dropFirst()
            guard !handle.isEmpty, s.count == 1 || (s.count == 2 && youtubeChannelTabs.contains(folded(s[1])))
            else { return nil }
            return make("youtube", "handle", folded(handle), .account)
        }
        switch folded(first) {
        case "watch":
            if let v = u.value("v"), isYouTubeID(v[...]) { return youtubeVideo(v, u) }
            if s.count == 2, isYouTubeID(s[1]) { return youtubeVideo(String(s[1]), u) }
        case "shorts", "embed", "live", "v", "e":
            if s.count >= 2, isYouTubeID(s[1]) { return youtubeVideo(String(s[1]), u) }
            if s.count == 2, eq(first, "embed"), eq(s[1], "videoseries"), let list = u.value("list"),
                isWord(list[...], max: 64, extra: "_-")
            {
                return make("youtube", "playlist", list, .playlist)
            }
        case "playlist":
            if s.count == 1, let list = u.value("list"), isWord(list[...], max: 64, extra: "_-") {
                return make("youtube", "playlist", list, .playlist)
            }
        case "channel":
            if s.count >= 2, isWord(s[1], max: 64, extra: "_-"),
                s.count == 2 || (s.count == 3 && youtubeChannelTabs.contains(folded(s[2])))
            {
                return make("youtube", "channel", String(s[1]), .account)
            }
        case "c", "user":
            if s.count >= 2, s.count == 2 || (s.count == 3 && youtubeChannelTabs.contains(folded(s[2]))) {
                return make("youtube", folded(first), folded(s[1]), .account)
            }
        default:
            break
        }
        return nil
    }

    /// `youtu.be/ID`.
    static func youtubeShort(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        guard s.count == 1, isYouTubeID(s[0]) else { return nil }
        return youtubeVideo(String(s[0]), u)
    }

    /// Eleven characters of the URL-safe base64 alphabet.
    static func isYouTubeID(_ s: Substring) -> Bool {
        s.utf8.count == 11 && isWord(s, max: 11, extra: "_-")
    }

    private static func youtubeVideo(_ id: String, _ u: NormalizedURL) -> ContentIdentity {
        if let lc = u.value("lc"), isWord(lc[...], max: 100, extra: "_-.") {
            return make("youtube", "comment", id + "/" + lc, .comment)
        }
        return make("youtube", "video", id, .video)
    }
}
