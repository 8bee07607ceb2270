enum FacebookRule: PlatformRule {
    static let platform = Platform.facebook
    static let displayName = "Facebook"
    static let hosts: [String: String] = mapping(
        [
            "facebook.com", "m.facebook.com", "mbasic.facebook.com", "web.facebook.com", "touch.facebook.com",
            "mobile.facebook.com", "free.facebook.com", "d.facebook.com", "business.facebook.com", "fb.com",
            "m.fb.com",
        ], canonical: "facebook.com")
    static let hostPatternSuffix: String? = ".facebook.com"

    /// Locale subdomains: `fr-fr.facebook.com`, `de-de.facebook.com` …
    static func canonicalHost(forUnlisted host: String) -> String? {
        let u = Array(host.utf8)
        guard u.count == 18, u[2] == UInt8(ascii: "-") else { return nil }
        return "facebook.com"
    }

    /// First path segments on Facebook that are features, never page or profile names.
    static let reserved: Set<String> = [
        "home", "watch", "groups", "events", "marketplace", "gaming", "pages", "photo", "photos", "story", "share",
        "sharer", "login", "reel", "reels", "stories", "hashtag", "help", "settings", "notifications", "friends",
        "messages", "search", "privacy", "policies", "legal", "business", "ads", "dialog", "plugins", "tr", "media",
        "people", "pg", "bookmarks", "memories", "saved", "fundraisers", "jobs", "places", "live", "news", "games",
        "weather", "donate", "checkpoint", "recover", "terms", "about", "careers", "directory", "lite", "mobile",
        "campaign", "latest", "feeds", "onthisday", "profile", "video", "videos", "permalink", "notes", "l", "r",
        "messenger", "composer", "policy", "page", "public", "find-friends", "watchparty", "instantgames", "me",
    ]

    /// Profile and page tabs that still designate the account (`facebook.com/page/about`).
    static let accountTabs: Set<String> = [
        "about", "photos", "videos", "reels", "friends", "followers", "following", "mentions", "reviews", "events",
        "community", "posts", "live_videos", "photos_by", "grid", "map", "about_profile_transparency",
    ]

    /// Posts (`story.php`, `permalink.php`, `/USER/posts/ID` including `pfbid…` ids, group posts), videos (`/watch?v=`,
    /// `/reel/ID`, `/USER/videos/ID`, `video.php`), photos (`photo?fbid=`, `photo.php`, `/USER/photos/…/ID`) and
    /// accounts (`/NAME`, `profile.php?id=N`, `/people/NAME/N`, groups). Vanity names ignore case and dots, as
    /// Facebook does; a numeric profile path and `profile.php?id=` are one account.
    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        var s = u.segments
        guard var first = s.first else { return nil }
        switch folded(first) {
        case "story.php", "permalink.php":
            guard let story = u.value("story_fbid"), isPostID(story[...]) else { return nil }
            let owner = u.value("id").flatMap { isDigits($0[...]) ? profileID($0) : nil }
            return make("post", story, .post, account: owner)
        case "photo.php", "photo":
            if s.count == 1, let fbid = u.value("fbid"), isDigits(fbid[...]) {
                return make("photo", fbid, .photo)
            }
            return nil
        case "video.php", "watch":
            if s.count == 1, let v = u.value("v"), isDigits(v[...]) { return make("video", v, .video) }
            return nil
        case "reel", "reels":
            if s.count == 2, isDigits(s[1]) { return make("video", String(s[1]), .video) }
            return nil
        case "profile.php":
            if let id = u.value("id"), isDigits(id[...]) { return profileID(id) }
            return nil
        case "people":
            if s.count == 3, isDigits(s[2]) { return profileID(String(s[2])) }
            return nil
        case "pages":
            if s.count == 3, isDigits(s[2]) { return profileID(String(s[2])) }
            return nil
        case "groups":
            guard s.count >= 2, isWord(s[1], max: 100, extra: "._-") else { return nil }
            let group = make("group", folded(s[1]), .group)
            if s.count == 2 { return group }
            if s.count == 4, eq(s[2], "posts") || eq(s[2], "permalink"), isPostID(s[3]) {
                return make("post", String(s[3]), .post, account: group)
            }
            return nil
        case "pg":
            s.removeFirst()
            guard let next = s.first else { return nil }
            first = next
        default:
            break
        }
        let owner = ownerAccount(first)
        if s.count == 1 { return owner }
        let tab = folded(s[1])
        // The content id stands on its own: an owner segment we do not accept as a name only loses the account.
        if s.count >= 3, let last = s.last {
            switch tab {
            case "posts" where s.count <= 4 && isPostID(last):
                return make("post", String(last), .post, account: owner)
            case "videos" where s.count <= 4 && isDigits(last):
                return make("video", String(last), .video, account: owner)
            case "photos" where s.count <= 4 && isDigits(last):
                return make("photo", String(last), .photo, account: owner)
            default:
                return nil
            }
        }
        return accountTabs.contains(tab) ? owner : nil
    }

    /// Numeric ids or the opaque `pfbid…` form (case-sensitive).
    static func isPostID(_ s: Substring) -> Bool {
        isDigits(s) || (s.hasPrefix("pfbid") && isWord(s, min: 6, max: 200, extra: ""))
    }

    static func profileID(_ id: String) -> ContentIdentity {
        make("id", id, .account)
    }

    /// `/NAME` as an account: numeric → the profile id; a vanity name → case and dots folded away.
    static func ownerAccount(_ segment: Substring) -> ContentIdentity? {
        if isDigits(segment) { return profileID(String(segment)) }
        guard isWord(segment, max: 80, extra: "."), !reserved.contains(folded(segment)) else { return nil }
        let name = folded(segment).filter { $0 != "." }
        guard !name.isEmpty, !name.hasSuffix("php") else { return nil }
        return make("account", name, .account)
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        let base = "https://www.facebook.com/"
        switch type {
        case "account": return base + id
        case "id": return base + "profile.php?id=" + id
        case "group": return base + "groups/" + id
        case "post":
            switch owner?.type {
            case "id": return base + "permalink.php?story_fbid=" + id + "&id=" + owner!.id
            case "account": return base + owner!.id + "/posts/" + id
            case "group": return base + "groups/" + owner!.id + "/posts/" + id
            default: return base + "permalink.php?story_fbid=" + id
            }
        case "video", "photo":
            if let owner, owner.type == "id" || owner.type == "account" {
                return base + owner.id + "/" + type + "s/" + id
            }
            return type == "video" ? base + "watch/?v=" + id : base + "photo.php?fbid=" + id
        default:
            return base + id
        }
    }
}
