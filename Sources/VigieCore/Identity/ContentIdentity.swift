/// The identity of one piece of online content, whatever form of its URL a citizen pasted: reports cluster on `key`.
///
/// Keys read `platform:type:id` (`x:status:1790000000000000001`, `youtube:video:dQw4w9WgXcQ`,
/// `facebook:account:johnsmith`) or, for any other page, `web:` followed by the normalised host, path and query
/// (`web:example.com/a/b?id=1`). Two identities with one key are the same content, even when only one of them knows
/// its `account`.
public struct ContentIdentity: Sendable, Hashable, Codable {
    /// What sort of thing the identity designates.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case post, video, photo, comment, story, account, group, playlist, page
    }

    /// The stable clustering key.
    public var key: String
    /// Where the content lives (`.web` for any site without a rule of its own).
    public var platform: Platform
    /// What sort of content the key designates.
    public var kind: Kind
    // A struct cannot hold an optional of itself: the account lives in a zero-or-one element array (heap storage).
    private var accountStorage: [ContentIdentity]

    /// The account (or community, for Reddit) the URL names as the content's home, when it names one.
    public var account: ContentIdentity? {
        get { accountStorage.first }
        set { accountStorage = newValue.map { [$0] } ?? [] }
    }

    /// Builds an identity; `ContentIdentifier.identify` is the usual way to get one.
    public init(key: String, platform: Platform, kind: Kind, account: ContentIdentity? = nil) {
        self.key = key
        self.platform = platform
        self.kind = kind
        self.accountStorage = account.map { [$0] } ?? []
    }

    private enum CodingKeys: String, CodingKey {
        case key, platform, kind, account
    }

    /// Decodes the four documented fields (`account` optional); an unknown platform or kind is an error.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            key: try c.decode(String.self, forKey: .key),
            platform: try c.decode(Platform.self, forKey: .platform),
            kind: try c.decode(Kind.self, forKey: .kind),
            account: try c.decodeIfPresent(ContentIdentity.self, forKey: .account))
    }

    /// Encodes the four documented fields (`account` only when present).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(platform, forKey: .platform)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(account, forKey: .account)
    }
}
