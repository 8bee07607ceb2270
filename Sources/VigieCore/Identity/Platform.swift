/// Where a content lives; the raw value is what the store and the JSON output hold (never renamed).
///
/// Adding a platform: one case here, one `PlatformRule` file under `Identity/Platforms/`, table rows in
/// `Tests/VigieCoreTests/IdentityCases.swift`, and one migration calling `Schema.rebuildStateTable(db, "clusters")`
/// so that existing databases' CHECK accepts it (`StateCheckTests` says so); the exhaustive `switch` below tells the
/// compiler the rest.
public enum Platform: String, Sendable, Hashable, Codable, CaseIterable {
    /// Any site without a rule of its own.
    case web
    /// The platforms with a rule since the first version.
    case x, youtube, facebook, instagram, tiktok, telegram, reddit
    /// The platforms added with issue 8.
    case dailymotion, threads, bluesky, vk, rumble, odysee, twitch, kick, linkedin, gab, truthsocial, discord

    /// The rule that knows this platform's hosts, URLs, canonical URLs and name.
    var rule: any PlatformRule.Type {
        switch self {
        case .web: return WebRule.self
        case .x: return XRule.self
        case .youtube: return YouTubeRule.self
        case .facebook: return FacebookRule.self
        case .instagram: return InstagramRule.self
        case .tiktok: return TikTokRule.self
        case .telegram: return TelegramRule.self
        case .reddit: return RedditRule.self
        case .dailymotion: return DailymotionRule.self
        case .threads: return ThreadsRule.self
        case .bluesky: return BlueskyRule.self
        case .vk: return VKRule.self
        case .rumble: return RumbleRule.self
        case .odysee: return OdyseeRule.self
        case .twitch: return TwitchRule.self
        case .kick: return KickRule.self
        case .linkedin: return LinkedInRule.self
        case .gab: return GabRule.self
        case .truthsocial: return TruthSocialRule.self
        case .discord: return DiscordRule.self
        }
    }

    /// The name cited in the platform notice (French): "X (anciennement Twitter)", "site web".
    public var displayName: String { rule.displayName }

    /// The raw values, for help texts and error messages (`x, youtube, …, web`).
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
