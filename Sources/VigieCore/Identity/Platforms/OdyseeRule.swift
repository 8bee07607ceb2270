/// Odysee (LBRY): a stream is `NAME:CLAIM` (`/@Channel:c/name:a`, `/name:a`, `/$/embed/name:a`), a channel is
/// `@NAME:CLAIM` (`/@Channel:c`). Names are folded to lowercase as LBRY normalises them; claim ids are kept as
/// written, so two different id prefixes of one claim stay two identities.
enum OdyseeRule: PlatformRule {
    static let platform = Platform.odysee
    static let displayName = "Odysee"
    static let hosts: [String: String] = mapping(["odysee.com"], canonical: "odysee.com")

    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        var s = u.segments[...]
        if s.count >= 2, s[s.startIndex] == "$", eq(s[s.startIndex + 1], "embed") { s = s.dropFirst(2) }
        guard let first = s.first else { return nil }
        var owner: ContentIdentity?
        if first.hasPrefix("@") {
            guard let channel = claim(first.dropFirst()) else { return nil }
            owner = make("channel", channel, .account)
            s = s.dropFirst()
            if s.isEmpty { return owner }
        }
        guard s.count == 1, let name = s.first, !name.hasPrefix("@"), !name.hasPrefix("$"), let stream = claim(name)
        else { return nil }
        return make("stream", stream, .video, account: owner)
    }

    /// `name:claim` (or `name` alone) with the name folded; nil for anything else.
    private static func claim(_ s: Substring) -> String? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty, !parts[0].utf8.contains(UInt8(ascii: "/")) else { return nil }
        let name = folded(parts[0])
        guard parts.count == 2 else { return name }
        guard isWord(parts[1], max: 40, extra: "") else { return nil }
        return name + ":" + IdentityRules.asciiLowercased(parts[1])
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        if type == "channel" { return "https://odysee.com/@" + id }
        return "https://odysee.com/" + (owner.map { "@" + $0.id + "/" } ?? "") + id
    }
}
