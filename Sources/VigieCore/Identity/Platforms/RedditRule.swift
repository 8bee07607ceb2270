enum RedditRule: PlatformRule {
    static let platform = Platform.reddit
    static let displayName = "Reddit"
    static let hosts: [String: String] = mapping(
        [
            "reddit.com", "old.reddit.com", "new.reddit.com", "np.reddit.com", "m.reddit.com", "i.reddit.com",
            "amp.reddit.com", "sh.reddit.com", "rxddit.com", "vxreddit.com",
        ], canonical: "reddit.com"
    ).merging(["redd.it": "redd.it"]) { a, _ in a }

    /// Profile tabs that still designate the user.
    static let userTabs: Set<String> = ["overview", "submitted", "comments", "posts", "about"]

    /// Posts (`/r/SUB/comments/ID/slug`, `/comments/ID`, `redd.it/ID`), comments (`…/ID/slug/COMMENT`, also
    /// `…/ID/comment/COMMENT`), subreddits and users. A post's `account` is the subreddit (or user profile) it was
    /// posted in: Reddit URLs name the community, not the author. Ids and names are case-insensitive.
    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        if u.host == "redd.it" { return short(u) }
        var s = u.segments[...]
        var home: ContentIdentity?
        if s.count >= 2, eq(s[s.startIndex], "r"), isWord(s[s.startIndex + 1], min: 2, max: 21) {
            home = make("subreddit", folded(s[s.startIndex + 1]), .group)
            s = s.dropFirst(2)
            if s.isEmpty { return home }
        } else if s.count >= 2, eq(s[s.startIndex], "u") || eq(s[s.startIndex], "user"),
            isWord(s[s.startIndex + 1], min: 3, max: 20, extra: "_-")
        {
            home = make("user", folded(s[s.startIndex + 1]), .account)
            s = s.dropFirst(2)
            if s.isEmpty || (s.count == 1 && userTabs.contains(folded(s[s.startIndex]))) { return home }
        }
        guard s.count >= 2, eq(s[s.startIndex], "comments"), isBase36(s[s.startIndex + 1]) else { return nil }
        let post = folded(s[s.startIndex + 1])
        if s.count == 2 || s.count == 3 { return make("post", post, .post, account: home) }
        if s.count == 4, isBase36(s[s.startIndex + 3]) {
            return make("comment", post + "/" + folded(s[s.startIndex + 3]), .comment, account: home)
        }
        return nil
    }

    /// `redd.it/ID`.
    static func short(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        guard s.count == 1, isBase36(s[0]) else { return nil }
        return make("post", folded(s[0]), .post)
    }

    static func isBase36(_ s: Substring) -> Bool { isWord(s, max: 13, extra: "") }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        let home: String
        switch owner?.type {
        case "subreddit": home = "r/" + owner!.id + "/"
        case "user": home = "user/" + owner!.id + "/"
        default: home = ""
        }
        switch type {
        case "post": return "https://www.reddit.com/" + home + "comments/" + id + "/"
        case "comment":
            let pieces = id.split(separator: "/", maxSplits: 1)
            return "https://www.reddit.com/" + home + "comments/" + pieces[0] + "/_/"
                + (pieces.count > 1 ? pieces[1] : "") + "/"
        case "subreddit": return "https://www.reddit.com/r/" + id + "/"
        default: return "https://www.reddit.com/user/" + id + "/"
        }
    }
}
