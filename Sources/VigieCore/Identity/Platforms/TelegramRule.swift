enum TelegramRule: PlatformRule {
    static let platform = Platform.telegram
    static let displayName = "Telegram"
    static let hosts: [String: String] = mapping(["t.me", "telegram.me", "telegram.dog"], canonical: "t.me")

    /// First path segments of t.me that are features, never channel names.
    static let reserved: Set<String> = [
        "joinchat", "addstickers", "addemoji", "addtheme", "share", "proxy", "socks", "iv", "login", "setlanguage",
        "boost", "bg", "confirmphone", "invoice", "contact", "addlist", "m", "c", "s", "k", "a", "z", "dl", "apps",
        "blog", "faq", "privacy", "tos", "giftcode", "nft",
    ]

    /// Posts (`/CHANNEL/ID`, `/s/CHANNEL/ID`, forum topics `/GROUP/TOPIC/ID`, private `/c/N/ID`), a comment with
    /// `?comment=N`, and channels (`/CHANNEL`); channel names are case-insensitive.
    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        var s = u.segments
        if s.count >= 2, eq(s[0], "s") { s.removeFirst() }
        guard let first = s.first else { return nil }
        if eq(first, "c") {
            guard s.count == 3 || s.count == 4, isDigits(s[1]), let message = s.last, isDigits(message) else {
                return nil
            }
            return make("post", "c/" + s[1] + "/" + message, .post)
        }
        guard isWord(first, min: 3, max: 64), !reserved.contains(folded(first)) else { return nil }
        let channelName = folded(first)
        let channel = make("channel", channelName, .account)
        if s.count == 1 { return channel }
        guard s.count <= 3, let message = s.last, isDigits(message), s.count == 2 || isDigits(s[1]) else {
            return nil
        }
        let post = channelName + "/" + message
        if let comment = u.value("comment"), isDigits(comment[...]) {
            return make("comment", post + "/" + comment, .comment, account: channel)
        }
        return make("post", post, .post, account: channel)
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        if type == "comment", let slash = id.lastIndex(of: "/") {
            return "https://t.me/" + id[..<slash] + "?comment=" + id[id.index(after: slash)...]
        }
        return "https://t.me/" + id
    }
}
