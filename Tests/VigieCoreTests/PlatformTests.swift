import Foundation
import Testing

@testable import VigieCore

@Suite("Platforms and redirect wrappers")
struct PlatformTests {
    @Test("the platform names stored before the enum still decode, unchanged")
    func storedNames() {
        for name in ["web", "x", "youtube", "facebook", "instagram", "tiktok", "telegram", "reddit"] {
            #expect(Platform(rawValue: name)?.rawValue == name, "\(name)")
        }
    }

    @Test("each platform has its own name in the notice, and hosts unless it is the web")
    func displayNames() {
        var seen: Set<String> = []
        for p in Platform.allCases {
            #expect(!p.displayName.isEmpty)
            #expect(seen.insert(p.displayName).inserted, "\(p) shares its display name")
            #expect(p.rule.platform == p)
            #expect(p.rule.hosts.isEmpty == (p == .web), "\(p)")
        }
        #expect(Platform.web.displayName == "site web")
        #expect(Platform.x.displayName == "X (anciennement Twitter)")
        #expect(Platform.truthsocial.displayName == "Truth Social")
    }

    @Test("every host belongs to the platform whose rule lists it")
    func hostDirectory() {
        for p in Platform.allCases {
            for host in p.rule.hosts.keys {
                #expect(PlatformDirectory.platform(forHost: host)?.0 == p, "\(host)")
            }
        }
        #expect(PlatformDirectory.platform(forHost: "de-de.facebook.com")?.0 == .facebook)
        #expect(PlatformDirectory.platform(forHost: "de.linkedin.com")?.0 == .linkedin)
        #expect(PlatformDirectory.platform(forHost: "notfacebook.com") == nil)
    }

    @Test("an unknown stored platform or kind fails to decode instead of defaulting")
    func unknownPlatform() {
        for json in [
            #"{"key":"myspace:post:1","platform":"myspace","kind":"post"}"#,
            #"{"key":"x:post:1","platform":"x","kind":"tweetstorm"}"#,
        ] {
            #expect(throws: DecodingError.self) {
                try JSONDecoder().decode(ContentIdentity.self, from: Data(json.utf8))
            }
        }
    }

    @Test("configured wrappers are unwrapped like the built-in ones")
    func configuredWrappers() throws {
        let rules = IdentityRules.default.adding(redirectWrappers: [
            try RedirectWrapper(host: "links.Example.org", parameter: "target"),
            try RedirectWrapper(host: "*.mailtrack.example", parameter: "dest", path: "/c/"),
        ])
        let wrapped = "https://links.example.org/click?id=9&target=https%3A%2F%2Fx.com%2Fa_b%2Fstatus%2F5"
        #expect(
            ContentIdentifier.identify(wrapped)?.key
                == "web:links.example.org/click?id=9&target=https%3A%2F%2Fx.com%2Fa_b%2Fstatus%2F5")
        #expect(ContentIdentifier.identify(wrapped, rules: rules)?.key == "x:status:5")
        let tracked = "https://eu.mailtrack.example/c?dest=https%3A%2F%2Fexample.com%2Fa"
        #expect(ContentIdentifier.identify(tracked, rules: rules)?.key == "web:example.com/a")
        // The path must match; a bare `mailtrack.example` is not a subdomain.
        #expect(
            ContentIdentifier.identify(
                "https://eu.mailtrack.example/d?dest=https%3A%2F%2Fexample.com%2Fa",
                rules: rules)?.key != "web:example.com/a")
        #expect(
            ContentIdentifier.identify(
                "https://mailtrack.example/c?dest=https%3A%2F%2Fexample.com%2Fa",
                rules: rules)?.key != "web:example.com/a")
    }

    @Test(
        "a configured wrapper must name a host, a parameter and a path",
        arguments: [
            ("", "url", nil), ("exa mple.org", "url", nil), ("localhost", "url", nil), ("*.", "url", nil),
            ("https://links.example.org", "url", nil), ("links.example.org", "", nil),
            ("links.example.org", "u=1", nil), ("links.example.org", "url", "click"),
            ("links.example.org", "url", "/click?x"),
        ] as [(String, String, String?)])
    func invalidWrappers(_ entry: (String, String, String?)) {
        #expect(throws: RedirectWrapper.Invalid.self) {
            try RedirectWrapper(host: entry.0, parameter: entry.1, path: entry.2)
        }
    }

    /// `url` inside `n` Google redirects.
    private static func nested(_ url: String, _ n: Int) -> String {
        var out = url
        for _ in 0..<n {
            out =
                "https://www.google.com/url?q="
                + out.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! + "&sa=D"
        }
        return out
    }

    @Test("nested wrappers unwrap repeatedly, up to a bound")
    func nesting() throws {
        let target = "https://x.com/SomeUser/status/42"
        for depth in 1...RedirectWrapper.maxDepth {
            #expect(ContentIdentifier.identify(Self.nested(target, depth))?.key == "x:status:42", "depth \(depth)")
        }
        let tooDeep = try #require(ContentIdentifier.identify(Self.nested(target, RedirectWrapper.maxDepth + 1)))
        #expect(tooDeep.platform == .web)
        #expect(tooDeep.key.hasPrefix("web:google.com/url?q="))
    }

    @Test("Proofpoint v3 runs and single characters come from the encoded bytes in order")
    func proofpointV3() {
        // `*` takes one character, `**A` two, `**B` three.
        let url = "https://urldefense.com/v3/__https://example.com/a*b**Ac**Bd__;PyY9JiMk!!G3vK!x$"
        #expect(Proofpoint.decodeV3(url) == "https://example.com/a?b&=c&#$d")
        #expect(Proofpoint.decodeV3("https://urldefense.com/v3/__https://example.com/a*b__;!!G3vK!x$") == nil)
        #expect(Proofpoint.decodeV3("https://urldefense.com/v3/__https://example.com/a") == nil)
    }
}
