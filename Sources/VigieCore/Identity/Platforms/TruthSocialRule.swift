/// Truth Social: posts (`/@user/posts/ID`, `/@user/ID`, `/users/user/statuses/ID`) and accounts (`/@user`,
/// case-insensitive).
enum TruthSocialRule: PlatformRule {
    static let platform = Platform.truthsocial
    static let displayName = "Truth Social"
    static let hosts: [String: String] = mapping(["truthsocial.com"], canonical: "truthsocial.com")

    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        guard let first = s.first else { return nil }
        if eq(first, "users") {
            guard s.count >= 2, let owner = account(s[1]) else { return nil }
            if s.count == 2 { return owner }
            guard s.count == 4, eq(s[2], "statuses"), isDigits(s[3]) else { return nil }
            return make("post", String(s[3]), .post, account: owner)
        }
        guard let user = dropping(prefix: "@", from: first), let owner = account(user) else { return nil }
        if s.count == 1 { return owner }
        if s.count == 2, isDigits(s[1]) { return make("post", String(s[1]), .post, account: owner) }
        guard s.count == 3, eq(s[1], "posts"), isDigits(s[2]) else { return nil }
        return make("post", String(s[2]), .post, account: owner)
    }

    private static func account(_ user: Substring) -> ContentIdentity? {
        isWord(user, max: 30) ? make("account", folded(user), .account) : nil
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        if type == "post", let owner { return "https://truthsocial.com/@" + owner.id + "/posts/" + id }
        return "https://truthsocial.com/@" + id
    }
}
