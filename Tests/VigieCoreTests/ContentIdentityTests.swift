import Foundation
import Testing

@testable import VigieCore

@Suite("Content identity")
struct ContentIdentityTests {
    private static func check(_ c: IdentityCase) {
        let identity = ContentIdentifier.identify(c.url)
        #expect(identity?.key == c.key, "key of \(c.url)")
        #expect(identity?.platform == c.platform, "platform of \(c.url)")
        #expect(identity?.kind == c.kind, "kind of \(c.url)")
        #expect(identity?.account?.key == c.account, "account of \(c.url)")
    }

    @Test("generic web pages", arguments: IdentityCases.web)
    func web(_ c: IdentityCase) { Self.check(c) }

    @Test("X / Twitter", arguments: IdentityCases.x)
    func x(_ c: IdentityCase) { Self.check(c) }

    @Test("YouTube", arguments: IdentityCases.youtube)
    func youtube(_ c: IdentityCase) { Self.check(c) }

    @Test("Facebook", arguments: IdentityCases.facebook)
    func facebook(_ c: IdentityCase) { Self.check(c) }

    @Test("Instagram", arguments: IdentityCases.instagram)
    func instagram(_ c: IdentityCase) { Self.check(c) }

    @Test("TikTok", arguments: IdentityCases.tiktok)
    func tiktok(_ c: IdentityCase) { Self.check(c) }

    @Test("Telegram", arguments: IdentityCases.telegram)
    func telegram(_ c: IdentityCase) { Self.check(c) }

    @Test("Reddit", arguments: IdentityCases.reddit)
    func reddit(_ c: IdentityCase) { Self.check(c) }

    @Test("link shims stand for the URL they carry", arguments: IdentityCases.shims)
    func shims(_ c: IdentityCase) { Self.check(c) }

    @Test(
        "redirect wrappers stand for their target; undecodable ones stay as reported", arguments: IdentityCases.wrappers
    )
    func wrappers(_ c: IdentityCase) { Self.check(c) }

    @Test("a known platform's bare host is no content", arguments: IdentityCases.bareHosts)
    func bareHosts(_ url: String) {
        #expect(ContentIdentifier.identify(url) == nil)
        #expect(ContentIdentifier.identify(url + (url.contains("?") ? "&" : "?") + "utm_source=x") == nil)
    }

    @Test("an ordinary site's bare domain still is a content", arguments: IdentityCases.siteRoots)
    func siteRoots(_ c: IdentityCase) { Self.check(c) }

    @Test("IDNA: UTS 46 mapping before Punycode", arguments: IdentityCases.idna)
    func idna(_ c: IdentityCase) { Self.check(c) }

    @Test("Dailymotion", arguments: IdentityCases.dailymotion)
    func dailymotion(_ c: IdentityCase) { Self.check(c) }

    @Test("Threads", arguments: IdentityCases.threads)
    func threads(_ c: IdentityCase) { Self.check(c) }

    @Test("Bluesky", arguments: IdentityCases.bluesky)
    func bluesky(_ c: IdentityCase) { Self.check(c) }

    @Test("VK", arguments: IdentityCases.vk)
    func vk(_ c: IdentityCase) { Self.check(c) }

    @Test("Rumble", arguments: IdentityCases.rumble)
    func rumble(_ c: IdentityCase) { Self.check(c) }

    @Test("Odysee", arguments: IdentityCases.odysee)
    func odysee(_ c: IdentityCase) { Self.check(c) }

    @Test("Twitch", arguments: IdentityCases.twitch)
    func twitch(_ c: IdentityCase) { Self.check(c) }

    @Test("Kick", arguments: IdentityCases.kick)
    func kick(_ c: IdentityCase) { Self.check(c) }

    @Test("LinkedIn", arguments: IdentityCases.linkedin)
    func linkedin(_ c: IdentityCase) { Self.check(c) }

    @Test("Gab", arguments: IdentityCases.gab)
    func gab(_ c: IdentityCase) { Self.check(c) }

    @Test("Truth Social", arguments: IdentityCases.truthSocial)
    func truthSocial(_ c: IdentityCase) { Self.check(c) }

    @Test("Discord", arguments: IdentityCases.discord)
    func discord(_ c: IdentityCase) { Self.check(c) }

    @Test("mirrors of X", arguments: IdentityCases.xMirrors)
    func xMirrors(_ c: IdentityCase) { Self.check(c) }

    @Test("non-http(s) schemes and garbage give no identity", arguments: IdentityCases.invalid)
    func invalid(_ url: String) {
        #expect(ContentIdentifier.identify(url) == nil)
    }

    @Test("the tables are big enough to mean something")
    func tableSize() {
        #expect(IdentityCases.all.count + IdentityCases.invalid.count >= 150)
    }

    // MARK: - Variants that must share one key

    static let sameContent: [[String]] = [
        [
            "https://twitter.com/SomeUser/status/1790000000000000001",
            "https://x.com/i/web/status/1790000000000000001?s=20",
            "https://mobile.twitter.com/someuser/statuses/1790000000000000001/photo/3",
            "https://x.com/AnotherName/status/1790000000000000001/analytics",
            "http://www.twitter.com/SOMEUSER/status/1790000000000000001?t=xYz&s=09#top",
        ],
        [
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ?si=abc",
            "https://m.youtube.com/shorts/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0",
            "https://music.youtube.com/watch?v=dQw4w9WgXcQ&feature=share", "https://youtube.com/live/dQw4w9WgXcQ",
            "https://www.youtube.com/watch?t=93&v=dQw4w9WgXcQ&list=PL1&index=2",
        ],
        [
            "https://www.facebook.com/story.php?story_fbid=42&id=7",
            "https://m.facebook.com/permalink.php?id=7&story_fbid=42&mibextid=xyz",
            "https://web.facebook.com/7/posts/42/?__cft__[0]=AZ&__tn__=%2CO",
        ],
        [
            "https://www.facebook.com/reel/555", "https://m.facebook.com/watch/?v=555",
            "https://www.facebook.com/watch?v=555&ref=sharing", "https://www.facebook.com/page/videos/555/",
            "https://www.facebook.com/video.php?v=555",
        ],
        [
            "https://www.instagram.com/p/C1a2B3c4D5e/", "https://instagram.com/reel/C1a2B3c4D5e?igsh=x",
            "https://www.instagram.com/reels/C1a2B3c4D5e/", "https://www.instagram.com/tv/C1a2B3c4D5e",
            "https://www.instagram.com/someone/p/C1a2B3c4D5e/?img_index=1",
        ],
        [
            "https://www.tiktok.com/@user/video/7300000000000000001",
            "https://m.tiktok.com/v/7300000000000000001.html",
            "https://www.tiktok.com/@USER/photo/7300000000000000001?is_copy_url=1",
        ],
        [
            "https://t.me/Chan_nel/10", "https://t.me/s/chan_nel/10", "https://telegram.me/CHAN_NEL/10?single",
        ],
        [
            "https://www.reddit.com/r/France/comments/1abc23/titre/", "https://old.reddit.com/r/france/comments/1abc23",
            "https://redd.it/1abc23", "https://np.reddit.com/comments/1abc23/autre_titre/?share_id=x",
        ],
        [
            "https://x.com/SomeUser", "https://twitter.com/someuser/", "https://mobile.twitter.com/SOMEUSER/media",
        ],
        [
            "https://www.facebook.com/profile.php?id=100000000000001", "https://m.facebook.com/100000000000001/",
            "https://www.facebook.com/people/Jean-Dupont/100000000000001",
        ],
        [
            "https://www.facebook.com/Jean.Dupont", "https://m.facebook.com/jeandupont?ref=bookmarks",
            "https://www.facebook.com/jean.dupont.2/../jean.dupont",
        ],
        [
            "https://example.com/a/b?id=1", "http://www.example.com:80/a/./b/?utm_source=x&id=1#top",
            "https://EXAMPLE.COM/%61/b?%69d=1&fbclid=abc",
        ],
        // A wrapped link and the link itself.
        [
            "https://x.com/SomeUser/status/1790000000000000001",
            "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fx.com%2FSomeUser%2Fstatus%2F"
                + "1790000000000000001&data=05%7C02&reserved=0",
            "https://urldefense.proofpoint.com/v2/url?u=https-3A__x.com_SomeUser_status_1790000000000000001&d=D&e=",
            "https://urldefense.com/v3/__https://x.com/SomeUser/status/1790000000000000001__;!!G3vK!x$",
            "https://www.google.fr/url?q=https://twitter.com/SomeUser/status/1790000000000000001&sa=D",
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fnitter.net%2FSomeUser%2Fstatus%2F1790000000000000001",
        ],
        ["https://ｅxample.com/a", "https://example.com/a", "https://ＥＸＡＭＰＬＥ\u{3002}com/a"],
        [
            "https://www.dailymotion.com/video/x8abcd1", "https://dai.ly/x8abcd1",
            "https://www.dailymotion.com/embed/video/x8abcd1", "https://www.dailymotion.com/video/x8abcd1_titre",
        ],
        [
            "https://www.threads.net/@some.user/post/C1a2B3c4D5e",
            "https://www.threads.com/@Some.User/post/C1a2B3c4D5e",
            "https://threads.net/t/C1a2B3c4D5e",
        ],
        [
            "https://bsky.app/profile/someone.bsky.social/post/3kabcdefghi2x",
            "https://bsky.app/profile/SOMEONE.bsky.social/post/3kabcdefghi2x/",
        ],
        [
            "https://vk.com/wall-12345_678", "https://m.vk.com/wall-12345_678",
            "https://vk.com/club12345?w=wall-12345_678",
        ],
        ["https://vk.com/video-12345_456239017", "https://vk.com/clip-12345_456239017"],
        ["https://rumble.com/v4abc12-le-titre.html", "https://rumble.com/v4abc12-autre.html?mref=x"],
        [
            "https://odysee.com/@SomeChannel:a/la-video:3", "https://odysee.com/la-video:3",
            "https://odysee.com/$/embed/la-video:3",
        ],
        [
            "https://www.twitch.tv/videos/1234567890", "https://www.twitch.tv/somestreamer/video/1234567890",
            "https://player.twitch.tv/?video=v1234567890&parent=example.com",
        ],
        [
            "https://clips.twitch.tv/FunnyClipSlug-AbCdEf123", "https://www.twitch.tv/x_y/clip/FunnyClipSlug-AbCdEf123",
        ],
        [
            "https://kick.com/video/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
            "https://kick.com/someone/videos/0A1B2C3D-4E5F-6789-ABCD-EF0123456789",
        ],
        [
            "https://www.linkedin.com/feed/update/urn:li:activity:7123456789012345678/",
            "https://www.linkedin.com/posts/jean-dupont_titre-activity-7123456789012345678-AbCd",
        ],
        ["https://gab.com/SomeUser/posts/1122334455", "https://gab.com/someuser/posts/1122334455/"],
        [
            "https://truthsocial.com/@realSomeone/posts/112233445566778899",
            "https://truthsocial.com/@realsomeone/112233445566778899",
        ],
        [
            "https://discord.gg/AbCdEf12", "https://discord.com/invite/AbCdEf12",
            "https://discordapp.com/invite/AbCdEf12",
        ],
        [
            "https://x.com/SomeUser/status/1790000000000000001",
            "https://nitter.net/SomeUser/status/1790000000000000001",
            "https://xcancel.com/someuser/status/1790000000000000001#m",
            "https://vxtwitter.com/SomeUser/status/1790000000000000001",
        ],
    ]

    @Test("variants of one content share one key", arguments: sameContent)
    func sameKey(_ variants: [String]) throws {
        let keys = variants.map { ContentIdentifier.identify($0)?.key }
        #expect(keys.allSatisfy { $0 != nil })
        #expect(Set(keys).count == 1, "keys: \(keys)")
    }

    // MARK: - Different contents that must stay apart

    static let differentContent: [(String, String)] = [
        ("https://x.com/SomeUser/status/1790000000000000001", "https://x.com/SomeUser/status/1790000000000000002"),
        ("https://x.com/SomeUser/status/1790000000000000001", "https://x.com/SomeUser"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcA"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcq"),
        ("https://youtu.be/dQw4w9WgXcQ", "https://youtu.be/DQw4w9WgXcQ"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=Ugx1"),
        ("https://www.youtube.com/channel/UCabcdefghij", "https://www.youtube.com/channel/UCABCDEFGHIJ"),
        ("https://example.com/article?id=1", "https://example.com/article?id=2"),
        ("https://example.com/index.php?p=1", "https://example.com/index.php?p=2"),
        ("https://example.com/watch?v=A", "https://example.com/watch?v=B"),
        ("https://example.com/Page", "https://example.com/page"),
        ("https://example.com/a", "https://example.org/a"),
        ("https://example.com/a", "https://example.com:8080/a"),
        ("https://blog.example.com/a", "https://example.com/a"),
        ("https://example.com/p?t=1", "https://example.com/p?t=2"),
        (
            "https://www.reddit.com/r/France/comments/1abc23/t/kxyz789/",
            "https://www.reddit.com/r/France/comments/1abc23/t/kxyz790/"
        ),
        (
            "https://www.reddit.com/r/France/comments/1abc23/t/kxyz789/",
            "https://www.reddit.com/r/France/comments/1abc23/"
        ),
        ("https://www.reddit.com/r/France/comments/1abc23/", "https://www.reddit.com/r/France/comments/1abc24/"),
        (
            "https://www.facebook.com/story.php?story_fbid=1&id=7",
            "https://www.facebook.com/story.php?story_fbid=2&id=7"
        ),
        ("https://www.facebook.com/page/posts/pfbid0AbC", "https://www.facebook.com/page/posts/pfbid0abc"),
        ("https://www.facebook.com/photo?fbid=1", "https://www.facebook.com/watch?v=1"),
        ("https://www.facebook.com/profile.php?id=1", "https://www.facebook.com/profile.php?id=2"),
        ("https://www.instagram.com/p/C1a2B3c4D5e/", "https://www.instagram.com/p/c1a2B3c4D5e/"),
        ("https://www.tiktok.com/@u/video/1", "https://www.tiktok.com/@u/video/2"),
        ("https://t.me/chan_nel/10", "https://t.me/chan_nel/11"),
        ("https://t.me/chan_nel/10", "https://t.me/other_chan/10"),
        ("https://t.me/chan_nel/10?comment=1", "https://t.me/chan_nel/10?comment=2"),
        ("https://x.com/search?q=a", "https://x.com/search?q=b"),
        ("https://www.dailymotion.com/video/x8abcd1", "https://www.dailymotion.com/video/x8abcd2"),
        ("https://www.dailymotion.com/video/x8abcd1", "https://www.dailymotion.com/somechannel"),
        ("https://www.threads.net/@u_1/post/C1a2B3c4D5e", "https://www.threads.net/@u_1/post/c1a2B3c4D5e"),
        ("https://www.threads.net/@u_1/post/C1a2B3c4D5e", "https://www.instagram.com/p/C1a2B3c4D5e/"),
        ("https://bsky.app/profile/a.bsky.social/post/3kabc", "https://bsky.app/profile/b.bsky.social/post/3kabc"),
        ("https://bsky.app/profile/a.bsky.social/post/3kabc", "https://bsky.app/profile/a.bsky.social/post/3kabd"),
        ("https://vk.com/wall-1_2", "https://vk.com/wall1_2"),
        ("https://vk.com/wall-1_2", "https://vk.com/video-1_2"),
        ("https://vk.com/id1", "https://vk.com/club1"),
        ("https://rumble.com/v4abc12-a.html", "https://rumble.com/v4abc13-a.html"),
        ("https://odysee.com/la-video:3", "https://odysee.com/la-video:4"),
        ("https://clips.twitch.tv/FunnyClipSlug-AbCdEf123", "https://clips.twitch.tv/funnyclipslug-abcdef123"),
        ("https://www.twitch.tv/videos/1234567890", "https://www.twitch.tv/videos/1234567891"),
        ("https://kick.com/a/clips/clip_01HABCDEF123", "https://kick.com/a/clips/clip_01HABCDEF124"),
        (
            "https://www.linkedin.com/feed/update/urn:li:activity:7123456789012345678",
            "https://www.linkedin.com/feed/update/urn:li:activity:7123456789012345679"
        ),
        (
            "https://www.linkedin.com/feed/update/urn:li:activity:7123456789012345678",
            "https://www.linkedin.com/feed/update/urn:li:ugcPost:7123456789012345678"
        ),
        ("https://gab.com/a/posts/1", "https://gab.com/a/posts/2"),
        ("https://truthsocial.com/@a/posts/1", "https://truthsocial.com/@a/posts/2"),
        ("https://discord.gg/AbCdEf12", "https://discord.gg/abcdef12"),
        ("https://nitter.net/SomeUser/status/1", "https://nitter.net/SomeUser/status/2"),
        ("https://ｅxample.com/a", "https://example.com/b"),
        (
            "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fexample.com%2Fa&data=1",
            "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fexample.com%2Fb&data=1"
        ),
    ]

    @Test("different contents keep different keys", arguments: differentContent)
    func differentKeys(_ pair: (String, String)) throws {
        let a = try #require(ContentIdentifier.identify(pair.0))
        let b = try #require(ContentIdentifier.identify(pair.1))
        #expect(a.key != b.key)
    }

    // MARK: - A post's account is the identity of its profile URL

    static let postAndProfile: [(String, String)] = [
        ("https://twitter.com/SomeUser/status/1790000000000000001", "https://x.com/someuser"),
        ("https://m.facebook.com/story.php?story_fbid=42&id=7", "https://www.facebook.com/profile.php?id=7"),
        ("https://www.facebook.com/Some.Page/posts/pfbid0AbC", "https://www.facebook.com/somepage"),
        ("https://www.facebook.com/SomePage/videos/555/", "https://m.facebook.com/some.page/about"),
        ("https://www.facebook.com/groups/Haters/posts/9/", "https://www.facebook.com/groups/haters"),
        ("https://www.instagram.com/Some.One/p/C1a2B3c4D5e/", "https://instagram.com/some.one"),
        ("https://www.instagram.com/stories/Some.One/3300000000000000000/", "https://www.instagram.com/some.one/"),
        ("https://www.tiktok.com/@User.Name/video/7300000000000000001", "https://www.tiktok.com/@user.name"),
        ("https://t.me/s/Chan_Nel/10", "https://t.me/chan_nel"),
        ("https://old.reddit.com/r/France/comments/1abc23/t/", "https://www.reddit.com/r/france/"),
        ("https://www.reddit.com/user/Bob_1/comments/1xyz99/", "https://www.reddit.com/u/bob_1"),
        ("https://www.threads.net/@Some.User/post/C1a2B3c4D5e", "https://www.threads.com/@some.user"),
        ("https://bsky.app/profile/SomeOne.bsky.social/post/3kabc", "https://bsky.app/profile/someone.bsky.social"),
        ("https://vk.com/wall-12345_678", "https://vk.com/club12345"),
        ("https://vk.com/photo12345_1", "https://vk.com/id12345"),
        ("https://odysee.com/@SomeChannel:a/la-video:3", "https://odysee.com/@somechannel:a"),
        ("https://www.twitch.tv/SomeStreamer/clip/FunnyClipSlug-AbCdEf123", "https://www.twitch.tv/somestreamer"),
        ("https://kick.com/SomeStreamer/clips/clip_01HABCDEF123", "https://kick.com/somestreamer"),
        ("https://gab.com/SomeUser/posts/1122334455", "https://gab.com/someuser"),
        ("https://truthsocial.com/users/realSomeone/statuses/1", "https://truthsocial.com/@realsomeone"),
        ("https://discord.com/channels/1111/2222/3333", "https://discord.com/channels/1111"),
        ("https://nitter.net/SomeUser/status/1790000000000000001", "https://x.com/someuser"),
    ]

    @Test("a post's account equals the identity of the profile URL", arguments: postAndProfile)
    func accountOfPost(_ pair: (String, String)) throws {
        let post = try #require(ContentIdentifier.identify(pair.0))
        let profile = try #require(ContentIdentifier.identify(pair.1))
        #expect(post.account == profile)
    }

    // MARK: - Properties over every table input

    static let identifiable: [IdentityCase] = IdentityCases.all

    @Test("identify is idempotent through canonicalURL", arguments: identifiable)
    func idempotent(_ c: IdentityCase) throws {
        let identity = try #require(ContentIdentifier.identify(c.url))
        let again = try #require(ContentIdentifier.identify(identity.canonicalURL), "\(identity.canonicalURL)")
        #expect(again == identity, "canonical \(identity.canonicalURL)")
        #expect(identity.canonicalURL.hasPrefix("https://"))
        #expect(again.canonicalURL == identity.canonicalURL)
    }

    /// Inserts tracking parameters before any fragment and adds a fragment when there is none.
    static func withNoise(_ url: String) -> [String] {
        let trimmed = url.trimmingCharacters(in: .whitespacesAndNewlines)
        let hashIndex = trimmed.firstIndex(of: "#")
        let beforeFragment = hashIndex.map { String(trimmed[..<$0]) } ?? trimmed
        let fragment = hashIndex.map { String(trimmed[$0...]) } ?? ""
        let join = beforeFragment.contains("?") ? "&" : "?"
        var noisy: [String] = []
        for params in [
            "utm_source=newsletter&utm_medium=email&utm_campaign=spring", "fbclid=IwAR3xYz_0", "gclid=Cj0KCQ&_ga=2.1",
            "si=AbC123&feature=share&pp=ygU", "igsh=MWQ1&mibextid=Nif5oz&rdid=q", "__cft__[0]=AZX&__tn__=%2CO%2CP-R",
            "mc_cid=1&mc_eid=2&msclkid=3&yclid=4&twclid=5&dclid=6", "ref_src=twsrc%5Etfw&ref_url=https%3A%2F%2Fa.b",
        ] {
            noisy.append(beforeFragment + join + params + fragment)
        }
        if hashIndex == nil {
            noisy.append(trimmed + "#section-2")
            noisy.append(beforeFragment + join + "utm_content=x#:~:text=hello")
        }
        return noisy
    }

    @Test("tracking parameters and fragments never change the identity", arguments: identifiable)
    func noiseInvariant(_ c: IdentityCase) throws {
        let identity = try #require(ContentIdentifier.identify(c.url))
        for noisy in Self.withNoise(c.url) {
            #expect(ContentIdentifier.identify(noisy) == identity, "\(noisy)")
        }
    }

    // MARK: - Rules and serialisation

    @Test("configuration can extend the tracking list")
    func extendedRules() throws {
        let url = "https://example.com/a?id=1&ref=home&campaign_x=2"
        #expect(ContentIdentifier.identify(url)?.key == "web:example.com/a?campaign_x=2&id=1&ref=home")
        let rules = IdentityRules.default.adding(trackingParameters: ["REF"], prefixes: ["campaign_"])
        #expect(ContentIdentifier.identify(url, rules: rules)?.key == "web:example.com/a?id=1")
        #expect(rules.isTracking(name: "Ref", host: "example.com"))
        #expect(!IdentityRules.default.isTracking(name: "id", host: "example.com"))
        #expect(IdentityRules.default.isTracking(name: "s", host: "x.com"))
        #expect(!IdentityRules.default.isTracking(name: "s", host: "example.com"))
    }

    @Test("content-selecting parameters are never in the default list")
    func selectorsKept() {
        for name in ["id", "v", "p", "q", "page", "story_fbid", "fbid", "list", "lc", "comment", "t", "s"] {
            #expect(!IdentityRules.default.isTracking(name: name, host: "example.com"), "\(name)")
        }
    }

    @Test("identities survive a JSON round trip, account included")
    func codable() throws {
        let identity = try #require(ContentIdentifier.identify("https://x.com/SomeUser/status/42"))
        let data = try JSONEncoder().encode(identity)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["key"] as? String == "x:status:42")
        #expect((object["account"] as? [String: Any])?["key"] as? String == "x:account:someuser")
        #expect(try JSONDecoder().decode(ContentIdentity.self, from: data) == identity)
    }

    @Test("canonical URLs are the ones a moderator would open")
    func canonicalURLs() throws {
        let expected: [(String, String)] = [
            ("https://mobile.twitter.com/SomeUser/status/42?s=20", "https://x.com/someuser/status/42"),
            ("https://x.com/i/web/status/42", "https://x.com/i/status/42"),
            ("https://youtu.be/dQw4w9WgXcQ?t=5", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
            (
                "https://m.facebook.com/story.php?story_fbid=1&id=2",
                "https://www.facebook.com/permalink.php?story_fbid=1&id=2"
            ),
            ("https://www.instagram.com/reel/C1a2B3c4D5e/", "https://www.instagram.com/p/C1a2B3c4D5e/"),
            ("https://t.me/s/Chan_Nel/10", "https://t.me/chan_nel/10"),
            ("https://old.reddit.com/r/France/comments/1abc23/x/", "https://www.reddit.com/r/france/comments/1abc23/"),
            ("http://www.Example.com:80/a/?utm_source=x&b=2&a=1#x", "https://example.com/a?a=1&b=2"),
        ]
        for (url, canonical) in expected {
            #expect(ContentIdentifier.identify(url)?.canonicalURL == canonical, "\(url)")
        }
    }
}

@Suite struct IdentityOverridesTests {
    @Test func literalKeysIgnoreOnlyWhatNeverTellsContentsApart() {
        let k = ContentIdentifier.literalKey("https://x.com/a/status/1?s=20&t=1")
        #expect(k == "x.com/a/status/1?s=20&t=1")
        #expect(ContentIdentifier.literalKey("http://WWW.X.com/a/status/1?t=1&s=20#frag") == k)
        #expect(ContentIdentifier.literalKey("https://x.com/b/status/1?s=20&t=1") != k)
        #expect(ContentIdentifier.literalKey("https://x.com/a/status/1") != k, "tracking parameters are kept")
        #expect(ContentIdentifier.literalKey("mailto:a@b.fr") == nil)
    }

    @Test func aSplitComesFirstThenTheMerges() {
        let o = IdentityOverrides(
            splits: [
                "x.com/b/status/1": .init(key: "split:x.com/b/status/1", canonicalURL: "https://x.com/b/status/1")
            ],
            merges: ["web:a.fr/1": "web:a.fr/2", "split:x.com/b/status/1": "x:status:9"])
        var asked = 0
        let plain = o.resolve(key: "web:z.fr/", canonicalURL: "https://z.fr/") {
            asked += 1
            return "z.fr/"
        }
        #expect(plain.key == "web:z.fr/" && !plain.overridden)
        #expect(o.resolve(key: "web:a.fr/1", canonicalURL: "u") { nil }.key == "web:a.fr/2")
        let split = o.resolve(key: "x:status:1", canonicalURL: "c") { "x.com/b/status/1" }
        #expect(split.key == "x:status:9", "a split cluster merged elsewhere follows the merge")
        #expect(split.canonicalURL == "https://x.com/b/status/1")
        var never = 0
        _ = IdentityOverrides(merges: ["k": "l"]).resolve(key: "k", canonicalURL: "c") {
            never += 1
            return nil
        }
        #expect(never == 0, "no split: the literal key is never computed")
        #expect(asked == 1)
    }
}
