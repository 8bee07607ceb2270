/// Moderators' corrections of the identity rules, applied wherever a reported URL is linked (intake, short links
/// resolved, `clusters rebuild`): a URL split out of the cluster the rules gave it, and clusters merged that the rules
/// kept apart.
public struct IdentityOverrides: Sendable, Equatable {
    /// Where a split URL goes: its cluster's key and, for a cluster not created yet, its link.
    public struct Split: Sendable, Equatable {
        public var key: String
        public var canonicalURL: String

        public init(key: String, canonicalURL: String) {
            self.key = key
            self.canonicalURL = canonicalURL
        }
    }

    /// `ContentIdentifier.literalKey` of a split URL → its cluster.
    public var splits: [String: Split]
    /// Key of an absorbed cluster → key of the cluster that absorbed it. Stored flattened: a target is never itself
    /// absorbed, so one lookup is enough.
    public var merges: [String: String]

    public init(splits: [String: Split] = [:], merges: [String: String] = [:]) {
        self.splits = splits
        self.merges = merges
    }

    /// No correction: the identity rules alone decide.
    public static let none = IdentityOverrides()

    /// The key of the cluster split out for a URL of this literal key: `split:` and the literal key.
    public static func splitKey(literal: String) -> String { "split:" + literal }

    /// The cluster a URL goes to, given what the rules identified: its split cluster when a moderator split that URL
    /// out, else the identity's own key; then through the merges. `literal` is computed only when splits exist.
    public func resolve(
        key: String, canonicalURL: String, literal: () -> String?
    ) -> (key: String, canonicalURL: String, overridden: Bool) {
        var key = key
        var canonical = canonicalURL
        var overridden = false
        if !splits.isEmpty, let l = literal(), let s = splits[l] {
            key = s.key
            canonical = s.canonicalURL
            overridden = true
        }
        if let target = merges[key] {
            key = target
            overridden = true
        }
        return (key, canonical, overridden)
    }
}
