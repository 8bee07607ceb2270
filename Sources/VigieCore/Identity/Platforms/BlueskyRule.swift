/// Bluesky: posts (`/profile/HANDLE/post/RKEY`) and accounts (`/profile/HANDLE`). A record key is unique only
/// within its account, so a post's key holds both; handles are domain names (case-insensitive), DIDs are kept as
/// written (a handle and its DID stay two identities: telling them apart needs the network).
enum BlueskyRule: PlatformRule {
    static let platform = Platform.bluesky
    static let displayName = "Bluesky"
    static let hosts: [String: String] = mapping(["bsky.app", "staging.bsky.app"], canonical: "bsky.app")

    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        guard s.count >= 2, eq(s[0], "profile"), let handle = actor(s[1]) else { return nil }
        let owner = make("account", handle, .account)
        if s.count == 2 { return owner }
        guard s.count == 4, eq(s[2], "post"), isWord(s[3], min: 2, max: 64, extra: "") else { return nil }
        return make("post", handle + "/" + s[3], .post, account: owner)
    }

    /// A handle (`name.bsky.social`, lowercased) or a DID (`did:plc:…`, as written).
    private static func actor(_ s: Substring) -> String? {
        if s.hasPrefix("did:") { return isWord(s, min: 8, max: 128, extra: ":._-") ? String(s) : nil }
        guard s.contains("."), isWord(s, min: 3, max: 253, extra: ".-") else { return nil }
        return folded(s)
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        guard type == "post", let slash = id.lastIndex(of: "/") else { return "https://bsky.app/profile/" + id }
        return "https://bsky.app/profile/" + id[..<slash] + "/post/" + id[id.index(after: slash)...]
    }
}
