extension ContentIdentity {
    /// One URL that designates this content; identifying it gives back this very identity (key and account).
    public var canonicalURL: String {
        if key.hasPrefix("web:") { return "https://" + key.dropFirst(4) }
        let parts = key.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return key }
        let type = parts[1]
        let id = String(parts[2])
        let owner = account.map(Self.typeAndID)
        switch platform {
        case "x":
            if type == "status" { return "https://x.com/" + (owner?.id ?? "i") + "/status/" + id }
            return "https://x.com/" + id
        case "youtube":
            switch type {
            case "video": return "https://www.youtube.com/watch?v=" + id
            case "comment":
                let pieces = id.split(separator: "/", maxSplits: 1)
                return "https://www.youtube.com/watch?v=" + pieces[0] + "&lc=" + (pieces.count > 1 ? pieces[1] : "")
            case "playlist": return "https://www.youtube.com/playlist?list=" + id
            case "handle": return "https://www.youtube.com/@" + id
            default: return "https://www.youtube.com/" + type + "/" + id
            }
        case "facebook":
            return Self.facebookURL(type: type, id: id, owner: owner)
        case "instagram":
            switch type {
            case "post":
                return "https://www.instagram.com/" + (owner.map { $0.id + "/" } ?? "") + "p/" + id + "/"
            case "story": return "https://www.instagram.com/stories/" + (owner?.id ?? "") + "/" + id + "/"
            default: return "https://www.instagram.com/" + id + "/"
            }
        case "tiktok":
            if type == "account" { return "https://www.tiktok.com/@" + id }
            if let owner { return "https://www.tiktok.com/@" + owner.id + "/video/" + id }
            return "https://m.tiktok.com/v/" + id + ".html"
        case "telegram":
            if type == "comment", let slash = id.lastIndex(of: "/") {
                return "https://t.me/" + id[..<slash] + "?comment=" + id[id.index(after: slash)...]
            }
            return "https://t.me/" + id
        case "reddit":
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
        default:
            return key
        }
    }

    private static func facebookURL(type: Substring, id: String, owner: (type: Substring, id: String)?) -> String {
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

    private static func typeAndID(_ identity: ContentIdentity) -> (type: Substring, id: String) {
        let parts = identity.key.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return ("", "") }
        return (parts[1], String(parts[2]))
    }
}
