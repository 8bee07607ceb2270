extension PlatformRules {
    /// Profile tabs that still designate the user.
    static let redditUserTabs: Set<String> = ["overview", "submitted", "comments", "posts", "about"]

    /// Posts (`/r/SUB/comments/ID/slug`, `/comments/ID`, `redd.it/ID`), comments (`…/ID/slug/COMMENT`, also
    /// `…/ID/comment/COMMENT`), subreddits and users. A post's `account` is the subreddit (or user profile) it was
    /// posted in: Reddit URLs name the community, not the author. Ids and names are case-insensitive.
    static func reddit(_ u: NormalizedURL) -> ContentIdentity? {
        var s = u.segments[...]
        var home: ContentIdentity?
        if s.count >= 2, eq(s[s.startIndex], "r"), isWord(s[s.startIndex + 1], min: 2, max: 21) {
            home = make("reddit", "subreddit", folded(s[s.startIndex + 1]), .group)
            s = s.dropFirst(2)
            if s.isEmpty { return home }
        } else if s.count >= 2, eq(s[s.startIndex], "u") || eq(s[s.startIndex], "user"),
            isWord(s[s.startIndex + 1], min: 3, max: 20, extra: "_-")
        {
            home = make("reddit", "user", folded(s[s.startIndex + 1]), .account)
            s = s.dropFirst(2)
            if s.isEmpty || (s.count == 1 && redditUserTabs.contains(folded(s[s.startIndex]))) { return home }
        }
        guard s.count >= 2, eq(s[s.startIndex], "comments"), isBase36(s[s.startIndex + 1]) else { return nil }
        let post = folded(s[s.startIndex + 1])
        if s.count == 2 || s.count == 3 { return make("reddit", "post", post, .post, account: home) }
        if s.count == 4, isBase36(s[s.startIndex + 3]) {
            return make("reddit", "comment", post + "/" + folded(s[s.startIndex + 3]), .comment, account: home)
        }
        return nil
    }

    /// `redd.it/ID`.
    static func redditShort(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        guard s.count == 1, isBase36(s[0]) else { return nil }
        return make("reddit", "post", folded(s[0]), .post)
    }

    static func isBase36(_ s: Substring) -> Bool { isWord(s, max: 13, extra: "") }
}
