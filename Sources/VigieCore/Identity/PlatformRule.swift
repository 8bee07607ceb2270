/// Everything Vigie knows of one platform, in one file under `Identity/Platforms/`.
///
/// `identify` returns nil when the path names nothing it knows; the URL is then a `.page` of that platform, keyed
/// like any web page but on the platform's canonical host (so `twitter.com/search?q=a` = `x.com/search?q=a`), except
/// the bare host (`https://x.com/`), which is no content at all.
protocol PlatformRule {
    /// The platform this rule describes.
    static var platform: Platform { get }
    /// The name cited in the platform notice (French).
    static var displayName: String { get }
    /// Each served host (lowercase, without `www.`) → the canonical host of its `.page` keys.
    static var hosts: [String: String] { get }
    /// A suffix (`.facebook.com`) under which `canonicalHost(forUnlisted:)` may recognise more hosts.
    static var hostPatternSuffix: String? { get }
    /// The canonical host of a host not listed in `hosts` (locale subdomains such as `fr-fr.facebook.com`).
    static func canonicalHost(forUnlisted host: String) -> String?
    /// The identity of a URL on one of the platform's hosts; nil for a page the rule does not know.
    static func identify(_ url: NormalizedURL) -> ContentIdentity?
    /// One URL that designates the content keyed `platform:type:id` (its account's key parts as `owner`).
    static func canonicalURL(type: Substring, id: String, owner: KeyParts?) -> String
}

/// The `type` and `id` of a key `platform:type:id`.
struct KeyParts: Sendable {
    var type: Substring
    var id: String

    /// Splits `platform:type:id` (the id may hold more colons); nil for a `web:` key.
    init?(_ key: String) {
        let parts = key.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        type = parts[1]
        id = String(parts[2])
    }
}

extension PlatformRule {
    static var hostPatternSuffix: String? { nil }
    static func canonicalHost(forUnlisted host: String) -> String? { nil }

    /// Maps every host of `served` to `canonical`.
    static func mapping(_ served: [String], canonical: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: served.map { ($0, canonical) })
    }

    /// An identity keyed `platform:type:id` of this platform.
    @inline(__always)
    static func make(
        _ type: String, _ id: String, _ kind: ContentIdentity.Kind, account: ContentIdentity? = nil
    ) -> ContentIdentity {
        ContentIdentity(
            key: platform.rawValue + ":" + type + ":" + id, platform: platform, kind: kind, account: account)
    }

    // MARK: - Helpers shared by the platform rules

    /// ASCII case-insensitive comparison with a lowercase literal.
    @inline(__always)
    static func eq(_ s: Substring, _ lowercaseLiteral: String) -> Bool {
        IdentityText.eq(s, lowercaseLiteral)
    }

    /// True when `s` is 1…`max` ASCII digits.
    @inline(__always)
    static func isDigits(_ s: Substring, max: Int = 24) -> Bool {
        let n = s.utf8.count
        return n > 0 && n <= max && s.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// True when `s` is `min`…`max` characters among ASCII letters, digits and `extra`.
    @inline(__always)
    static func isWord(_ s: Substring, min: Int = 1, max: Int, extra: String = "_") -> Bool {
        let n = s.utf8.count
        guard n >= min, n <= max else { return false }
        for c in s.utf8 {
            let alnum =
                (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
            if !alnum && !extra.utf8.contains(c) { return false }
        }
        return true
    }

    /// ASCII lowercase copy; a percent-encoded name is decoded, folded with Unicode rules and re-encoded.
    static func folded(_ s: Substring) -> String {
        if s.utf8.contains(UInt8(ascii: "%")) {
            let decoded = URLNormalizer.percentDecoded(String(s)).lowercased()
            var out: [UInt8] = []
            for c in decoded.utf8 {
                if URLNormalizer.isUnreserved(c) {
                    out.append(c)
                } else {
                    out.append(UInt8(ascii: "%"))
                    Hex.append(c, to: &out, uppercase: true)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        return IdentityRules.asciiLowercased(s)
    }

    /// `s` without its first `n` bytes when it starts with the lowercase ASCII `prefix` (any case), else nil.
    static func dropping(prefix: String, from s: Substring) -> Substring? {
        let n = prefix.utf8.count
        guard s.utf8.count > n, eq(Substring(s.utf8.prefix(n)), prefix) else { return nil }
        return Substring(s.utf8.dropFirst(n))
    }
}

/// ASCII helpers shared by the rules, the wrappers and the short links.
enum IdentityText {
    /// ASCII case-insensitive comparison with a lowercase literal.
    @inline(__always)
    static func eq(_ s: Substring, _ lowercaseLiteral: String) -> Bool {
        s.utf8.elementsEqual(lowercaseLiteral.utf8) { a, b in
            (a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z") ? a | 0x20 : a) == b
        }
    }
}

/// Which platform serves a host: built once from every rule's `hosts`.
enum PlatformDirectory {
    /// Host → platform and canonical host.
    static let table: [String: (Platform, String)] = {
        var table: [String: (Platform, String)] = [:]
        for platform in Platform.allCases {
            for (host, canonical) in platform.rule.hosts {
                precondition(table[host] == nil, "host \(host) is claimed by two platforms")
                table[host] = (platform, canonical)
            }
        }
        return table
    }()

    /// Rules that recognise hosts by pattern, with their suffix.
    static let patterns: [(suffix: String, platform: Platform)] = Platform.allCases.compactMap { p in
        p.rule.hostPatternSuffix.map { ($0, p) }
    }

    /// The platform serving `host` (lowercase, without `www.`) and its canonical host, if any.
    static func platform(forHost host: String) -> (Platform, String)? {
        if let hit = table[host] { return hit }
        for (suffix, platform) in patterns where host.hasSuffix(suffix) {
            if let canonical = platform.rule.canonicalHost(forUnlisted: host) { return (platform, canonical) }
        }
        return nil
    }
}
