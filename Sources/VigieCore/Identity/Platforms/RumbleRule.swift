/// Rumble: videos (`/vID-slug.html`; the slug and `.html` are dropped), embeds (`/embed/vID/`, whose id is not the
/// page's, so they stay their own identity), and channels (`/c/NAME`, `/user/NAME`, case-insensitive).
enum RumbleRule: PlatformRule {
    static let platform = Platform.rumble
    static let displayName = "Rumble"
    static let hosts: [String: String] = mapping(["rumble.com"], canonical: "rumble.com")

    /// Channel tabs that still designate the channel.
    static let channelTabs: Set<String> = ["videos", "shorts", "livestreams", "about", "playlists"]

    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        guard let first = s.first else { return nil }
        switch folded(first) {
        case "embed":
            guard s.count == 2, isVideoID(s[1]) else { return nil }
            return make("embed", String(s[1]), .video)
        case "c", "user":
            guard s.count >= 2, s.count <= 3, isWord(s[1], max: 64, extra: "_-."),
                s.count == 2 || channelTabs.contains(folded(s[2]))
            else { return nil }
            return make(folded(first), folded(s[1]), .account)
        default:
            guard s.count == 1, first.hasSuffix(".html") else { return nil }
            let id = first.dropLast(5).prefix { $0 != "-" }
            guard isVideoID(id) else { return nil }
            return make("video", String(id), .video)
        }
    }

    /// `v` then base-36 characters (`v4abc12`).
    private static func isVideoID(_ s: Substring) -> Bool {
        s.utf8.first == UInt8(ascii: "v") && isWord(s, min: 4, max: 16, extra: "")
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        switch type {
        case "video": return "https://rumble.com/" + id + ".html"
        case "embed": return "https://rumble.com/embed/" + id + "/"
        default: return "https://rumble.com/" + type + "/" + id
        }
    }
}
