extension ContentIdentity {
    /// One URL that designates this content; identifying it gives back this very identity (key and account).
    public var canonicalURL: String {
        if key.hasPrefix("web:") { return "https://" + key.dropFirst(4) }
        // Keys are built by the rules as `platform:type:id`; a hand-made key of another shape has no better URL.
        guard let parts = KeyParts(key) else { return key }
        return platform.rule.canonicalURL(type: parts.type, id: parts.id, owner: account.flatMap { KeyParts($0.key) })
    }
}
