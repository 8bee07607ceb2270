extension PlatformRules {
    /// First path segments on Facebook that are features, never page or profile names.
    static let facebookReserved: Set<String> = [
        "home", "watch", "groups", "events", "marketplace", "gaming", "pages", "photo", "photos", "story", "share",
        "sharer", "login", "reel", "reels", "stories", "hashtag", "help", "settings", "notifications", "friends",
        "messages", "search", "privacy", "policies", "legal", "business", "ads", "dialog", "plugins", "tr", "media",
        "people", "pg", "bookmarks", "memories", "saved", "fundraisers", "jobs", "places", "live", "news", "games",
        "weather", "donate", "checkpoint", "recover", "terms", "about", "careers", "directory", "lite", "mobile",
        "campaign", "latest", "feeds", "onthisday", "profile", "video", "videos", "permalink", "notes", "l", "r",
        "messenger", "composer", "policy", "page", "public", "find-friends", "watchparty", "instantgames", "me",
    ]

    /// Profile and page tabs that still designate the account (`facebook.com/page/about`).
    static let facebookAccountTabs: Set<String> = [
        "about", "photos", "videos", "reels", "friends", "followers", "following", "mentions", "reviews", "events",
        "community", "posts", "live_videos", "photos_by", "grid", "map", "about_profile_transparency",
    ]

    /// Posts (`story.php`, `permalink.php`, `/USER/posts/ID` including `pfbid…` ids, group posts), videos (`/watch?v=`,
    /// `/reel/ID`, `/USER/videos/ID`, `video.php`), photos (`photo?fbid=`, `photo.php`, `/USER/photos/…/ID`) and
    /// accounts (`/NAME`, `profile.php?id=N`, `/people/NAME/N`, groups). Vanity names ignore case and dots, as
    /// Facebook does; a numeric profile path and `profile.php?id=` are one account.
    static func facebook(_ u: NormalizedURL) -> ContentIdentity? {
        var s = u.segments
        guard var first = s.first else { return nil }
        switch folded(first) {
        case "story.php", "permalink.php":
            guard let story = u.value("story_fbid"), isFacebookPostID(story[...]) else { return nil }
            let owner = u.value("id").flatMap { isDigits($0[...]) ? facebookID($0) : nil }
            return make("facebook", "post", story, .post, account: owner)
        case "photo.php", "photo":
            if s.count == 1, let fbid = u.value("fbid"), isDigits(fbid[...]) {
                return make("facebook", "photo", fbid, .photo)
            }
            return nil
        case "video.php", "watch":
            if s.count == 1, let v = u.value("v"), isDigits(v[...]) { return make("facebook", "video", v, .video) }
            return nil
        case "reel", "reels":
            if s.count == 2, isDigits(s[1]) { return make("facebook", "video", String(s[1]), .video) }
            return nil
        case "profile.php":
            if let id = u.value("id"), isDigits(id[...]) { return facebookID(id) }
            return nil
        case "people":
            if s.count == 3, isDigits(s[2]) { return facebookID(String(s[2])) }
            return nil
        case "pages":
            if s.count == 3, isDigits(s[2]) { return facebookID(String(s[2])) }
            return nil
        case "groups":
            guard s.count >= 2, isWord(s[1], max: 100, extra: "._-") else { return nil }
            let group = make("facebook", "group", folded(s[1]), .group)
            if s.count == 2 { return group }
            if s.count == 4, eq(s[2], "posts") || eq(s[2], "permalink"), isFacebookPostID(s[3]) {
                return make("facebook", "post", String(s[3]), .post, account: group)
            }
            return nil
        case "pg":
            s.removeFirst()
            guard let next = s.first else { return nil }
            first = next
        default:
            break
        }
        let owner = facebookOwner(first)
        if s.count == 1 { return owner }
        let tab = folded(s[1])
        // The content id stands on its own: an owner segment we do not accept as a name only loses the account.
        if s.count >= 3, let last = s.last {
            switch tab {
            case "posts" where s.count <= 4 && isFacebookPostID(last):
                return make("facebook", "post", String(last), .post, account: owner)
            case "videos" where s.count <= 4 && isDigits(last):
                return make("facebook", "video", String(last), .video, account: owner)
            case "photos" where s.count <= 4 && isDigits(last):
                return make("facebook", "photo", String(last), .photo, account: owner)
            default:
                return nil
            }
        }
        return facebookAccountTabs.contains(tab) ? owner : nil
    }

    /// Numeric ids or the opaque `pfbid…` form (case-sensitive).
    static func isFacebookPostID(_ s: Substring) -> Bool {
        isDigits(s) || (s.hasPrefix("pfbid") && isWord(s, min: 6, max: 200, extra: ""))
    }

    static func facebookID(_ id: String) -> ContentIdentity {
        make("facebook", "id", id, .account)
    }

    /// `/NAME` as an account: numeric → the profile id; a vanity name → case and dots folded away.
    static func facebookOwner(_ segment: Substring) -> ContentIdentity? {
        if isDigits(segment) { return facebookID(String(segment)) }
        guard isWord(segment, max: 80, extra: "."), !facebookReserved.contains(folded(segment)) else { return nil }
        let name = folded(segment).filter { $0 != "." }
        guard !name.isEmpty, !name.hasSuffix("php") else { return nil }
        return make("facebook", "account", name, .account)
    }
}
