/// Discord: invitations to a server (`discord.gg/CODE`, `discord.com/invite/CODE`; codes are case-sensitive) and
/// servers (`discord.com/channels/SERVER`) and messages (`…/channels/SERVER/CHANNEL/MESSAGE`, with their server).
enum DiscordRule: PlatformRule {
    static let platform = Platform.discord
    static let displayName = "Discord"
    static let hosts: [String: String] = [
        "discord.gg": "discord.gg", "discord.com": "discord.com", "discordapp.com": "discord.com",
        "ptb.discord.com": "discord.com", "canary.discord.com": "discord.com",
    ]

    static func identify(_ u: NormalizedURL) -> ContentIdentity? {
        let s = u.segments
        if u.host == "discord.gg" { return s.count == 1 ? invite(s[0]) : nil }
        guard let first = s.first else { return nil }
        if eq(first, "invite") { return s.count == 2 ? invite(s[1]) : nil }
        if eq(first, "channels"), s.count == 2, isDigits(s[1]) { return make("server", String(s[1]), .group) }
        guard eq(first, "channels"), s.count == 4, isDigits(s[1]), isDigits(s[2]), isDigits(s[3]) else { return nil }
        let server = make("server", String(s[1]), .group)
        return make("message", s[1] + "/" + s[2] + "/" + s[3], .post, account: server)
    }

    private static func invite(_ code: Substring) -> ContentIdentity? {
        isWord(code, min: 2, max: 32, extra: "-") ? make("invite", String(code), .group) : nil
    }

    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String {
        switch type {
        case "invite": return "https://discord.gg/" + id
        case "message": return "https://discord.com/channels/" + id
        default: return "https://discord.com/channels/" + id
        }
    }
}
