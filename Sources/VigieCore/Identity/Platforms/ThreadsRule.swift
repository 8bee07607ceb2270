/// Threads (threads.com, formerly threads.net): posts (`/@user/post/CODE`, `/t/CODE`; codes are case-sensitive)
/// and accounts (`/@user`, case-insensitive like Instagram's, whose usernames they are).
enum ThreadsRule: PlatformRule {
    static let platform = Platform.threads
    static let displayName = "Threads"
    static let hosts: [String: String] = mapping(["threads.com", "threads.net"], canonical: "threads.com")

    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        guard let first = s.first else { return nil }
        if eq(first, "t") {
            guard s.count == 2, isCode(s[1]) else { return nil }
            return make("post", String(s[1]), .post)
        }
        guard let user = dropping(prefix: "@", from: first), isWord(user, max: 30, extra: "._") else { return nil }
        let owner = make("account", folded(user), .account)
        if s.count == 1 || (s.count == 2 && (eq(s[1], "replies") || eq(s[1], "reposts") || eq(s[1], "media"))) {
            return owner
        }
        guard s.count >= 3, s.count <= 4, eq(s[1], "post"), isCode(s[2]) else { return nil }
        return make("post", String(s[2]), .post, account: owner)
    }

    /// Shortcodes, as Instagram's.
    private static func isCode(_ s: Substring) -> Bool { isWord(s, min: 6, max: 64, extra: "_-") }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        if type == "account" { return "https://www.threads.com/@" + id }
        guard let owner else { return "https://www.threads.com/t/" + id }
        return "https://www.threads.com/@" + owner.id + "/post/" + id
    }
}
