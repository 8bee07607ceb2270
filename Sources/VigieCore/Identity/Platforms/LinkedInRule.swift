/// LinkedIn: posts by their activity id (`/feed/update/urn:li:activity:ID`, `/posts/SLUG-activity-ID-XXXX`,
/// `/embed/feed/update/…`), shares and UGC posts by theirs (a post's `ugcPost` and `activity` numbers differ, so
/// those forms stay apart), and accounts: `/in/NAME` (people), `/company/NAME`, `/school/NAME` (case-insensitive).
/// A post's slug names its author but not whether a person or a company: posts carry no account.
enum LinkedInRule: PlatformRule {
    static let platform = Platform.linkedin
    static let displayName = "LinkedIn"
    static let hosts: [String: String] = mapping(["linkedin.com", "m.linkedin.com"], canonical: "linkedin.com")
    static let hostPatternSuffix: String? = ".linkedin.com"

    /// Country subdomains: `fr.linkedin.com`, `de.linkedin.com` …
    static func canonicalHost(forUnlisted host: String) -> String? {
        host.utf8.count == 15 ? "linkedin.com" : nil
    }

    /// Account tabs that still designate the account.
    static let accountTabs: Set<String> = ["about", "posts", "recent-activity", "people", "jobs", "life", "details"]

    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        var s = u.segments[...]
        if s.count >= 1, eq(s[s.startIndex], "embed") { s = s.dropFirst() }
        guard let first = s.first else { return nil }
        switch folded(first) {
        case "feed":
            guard s.count == 3, eq(s[s.startIndex + 1], "update") else { return nil }
            return urn(s[s.startIndex + 2])
        case "posts":
            guard s.count == 2 else { return nil }
            return slugPost(s[s.startIndex + 1])
        case "in", "company", "school", "showcase":
            guard s.count >= 2, s.count <= 4, isWord(s[s.startIndex + 1], min: 2, max: 100, extra: "-_%"),
                s.count == 2 || accountTabs.contains(folded(s[s.startIndex + 2]))
            else { return nil }
            let type = eq(first, "showcase") ? "company" : folded(first)
            return make(type, folded(s[s.startIndex + 1]), .account)
        default:
            return nil
        }
    }

    /// `urn:li:activity:ID`, `urn:li:share:ID`, `urn:li:ugcPost:ID`.
    private static func urn(_ s: Substring) -> ContentIdentity? {
        for (prefix, type) in [
            ("urn:li:activity:", "activity"), ("urn:li:share:", "share"), ("urn:li:ugcpost:", "ugcpost"),
        ] {
            if let id = dropping(prefix: prefix, from: s), isDigits(id) { return make(type, String(id), .post) }
        }
        return nil
    }

    /// `jean-dupont_un-titre-activity-7123456789012345678-AbCd` (or `-ugcPost-…`, `-share-…`).
    private static func slugPost(_ slug: Substring) -> ContentIdentity? {
        let parts = slug.split(separator: "-")
        for (i, part) in parts.enumerated().reversed() where i + 1 < parts.count && isDigits(parts[i + 1]) {
            if eq(part, "activity") { return make("activity", String(parts[i + 1]), .post) }
            if eq(part, "ugcpost") { return make("ugcpost", String(parts[i + 1]), .post) }
            if eq(part, "share") { return make("share", String(parts[i + 1]), .post) }
        }
        return nil
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        switch type {
        case "activity": return "https://www.linkedin.com/feed/update/urn:li:activity:" + id + "/"
        case "share": return "https://www.linkedin.com/feed/update/urn:li:share:" + id + "/"
        case "ugcpost": return "https://www.linkedin.com/feed/update/urn:li:ugcPost:" + id + "/"
        default: return "https://www.linkedin.com/" + type + "/" + id + "/"
        }
    }
}
