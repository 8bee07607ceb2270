enum TikTokRule: PlatformRule {
    static let platform = Platform.tiktok
    static let displayName = "TikTok"
    static let hosts: [String: String] = mapping(["tiktok.com", "m.tiktok.com"], canonical: "tiktok.com")

    /// Video and photo posts share TikTok's one item-id space (`/@u/video/ID` opens a photo post and vice versa),
    /// so both are `tiktok:post:ID` of kind `.post`; `/@user` is the account (case-insensitive).
    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        guard let first = s.first else { return nil }
        if first.utf8.first == UInt8(ascii: "@") {
            let user = first.dropFirst()
            guard user.isEmpty || isWord(user, max: 40, extra: "._") else { return nil }
            let owner = user.isEmpty ? nil : make("account", folded(user), .account)
            if s.count >= 3, eq(s[1], "video") || eq(s[1], "photo"), isDigits(s[2]) {
                return make("post", String(s[2]), .post, account: owner)
            }
            if s.count == 1 || (s.count == 2 && eq(s[1], "live")) { return owner }
            return nil
        }
        switch folded(first) {
        case "v":
            // m.tiktok.com/v/ID.html
            guard s.count == 2 else { return nil }
            let id = s[1].hasSuffix(".html") ? s[1].dropLast(5) : s[1]
            return isDigits(id) ? make("post", String(id), .post) : nil
        case "embed":
            guard s.count == 2 || (s.count == 3 && eq(s[1], "v2")), let id = s.last, isDigits(id) else { return nil }
            return make("post", String(id), .post)
        case "share":
            guard s.count == 3, eq(s[1], "video"), isDigits(s[2]) else { return nil }
            return make("post", String(s[2]), .post)
        default:
            return nil
        }
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        if type == "account" { return "https://www.tiktok.com/@" + id }
        if let owner { return "https://www.tiktok.com/@" + owner.id + "/video/" + id }
        return "https://m.tiktok.com/v/" + id + ".html"
    }
}
