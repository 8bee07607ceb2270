import Testing
import VigieCore

/// One row of the identity tables: an input URL and everything expected of its identity.
struct IdentityCase: Sendable, CustomTestStringConvertible {
    let url: String
    let key: String
    /// nil when the table names a platform that does not exist, which fails the row.
    let platform: Platform?
    let kind: ContentIdentity.Kind
    let account: String?
    var testDescription: String { url }
}

/// `platform` defaults to the key's prefix; pass it for `web:` pages served by a platform host.
func row(
    _ url: String, _ key: String, _ kind: ContentIdentity.Kind = .page, account: String? = nil,
    platform: String? = nil
) -> IdentityCase {
    IdentityCase(
        url: url, key: key, platform: Platform(rawValue: platform ?? String(key.prefix { $0 != ":" })), kind: kind,
        account: account)
}

/// The tables shared by the per-platform tests and by the property tests (which run over every input).
enum IdentityCases {
    static let web: [IdentityCase] = [
        row("https://example.com/a/b?id=1", "web:example.com/a/b?id=1"),
        row("http://example.com/a/b?id=1", "web:example.com/a/b?id=1"),
        row("HTTPS://EXAMPLE.COM/a/b?id=1", "web:example.com/a/b?id=1"),
        row("https://www.example.com/a/b?id=1", "web:example.com/a/b?id=1"),
        row("https://WWW.Example.Com/a/b?id=1", "web:example.com/a/b?id=1"),
        row("https://example.com:443/a/b?id=1", "web:example.com/a/b?id=1"),
        row("http://example.com:80/a/b?id=1", "web:example.com/a/b?id=1"),
        row("https://example.com/a/b/?id=1", "web:example.com/a/b?id=1"),
        row("https://example.com/a/./b?id=1", "web:example.com/a/b?id=1"),
        row("https://example.com/a/c/../b?id=1", "web:example.com/a/b?id=1"),
        row("https://example.com/a/b?id=1#comments", "web:example.com/a/b?id=1"),
        row("https://example.com/a/b?utm_source=twitter&utm_medium=social&id=1", "web:example.com/a/b?id=1"),
        row("https://example.com/a/b?id=1&fbclid=IwAR0abcdef", "web:example.com/a/b?id=1"),
        row("https://example.com/%61/b?id=1", "web:example.com/a/b?id=1"),
        row("https://example.com/a/b?%69d=1", "web:example.com/a/b?id=1"),
        row("https://example.com/a/b?id=1&", "web:example.com/a/b?id=1"),
        row("  https://example.com/a/b?id=1 \n", "web:example.com/a/b?id=1"),
        row("https://user:secret@example.com/a/b?id=1", "web:example.com/a/b?id=1"),
        row("https://example.com./a/b?id=1", "web:example.com/a/b?id=1"),
        row("https://example.com:8080/a", "web:example.com:8080/a"),
        row("http://example.com:8080/a/", "web:example.com:8080/a"),
        row("https://example.com", "web:example.com/"),
        row("https://example.com/", "web:example.com/"),
        row("https://example.com/?", "web:example.com/"),
        row("https://example.com/search?q=hello%20world&page=2", "web:example.com/search?page=2&q=hello%20world"),
        row("https://example.com/a?b=2&a=1", "web:example.com/a?a=1&b=2"),
        row("https://example.com/a?x=%2f", "web:example.com/a?x=%2F"),
        row("https://example.com/caf%c3%a9", "web:example.com/caf%C3%A9"),
        row("https://example.com/café", "web:example.com/caf%C3%A9"),
        row("https://example.com/a b", "web:example.com/a%20b"),
        row("https://example.com/%7euser/%41b", "web:example.com/~user/Ab"),
        row("https://example.com/a%2Fb", "web:example.com/a%2Fb"),
        row("https://bücher.example/", "web:xn--bcher-kva.example/"),
        row("https://BÜCHER.example/", "web:xn--bcher-kva.example/"),
        row("https://xn--bcher-kva.example/", "web:xn--bcher-kva.example/"),
        row("https://b%C3%BCcher.example/", "web:xn--bcher-kva.example/"),
        row("https://münchen.de/stadt", "web:xn--mnchen-3ya.de/stadt"),
        row("https://例え.テスト/", "web:xn--r8jz45g.xn--zckzah/"),
        row("https://example.com/index.php?p=42&gclid=x&_ga=1.2.3", "web:example.com/index.php?p=42"),
        row("https://example.com/watch?v=abc&si=xyz&feature=share&pp=ygU", "web:example.com/watch?v=abc"),
        row(
            "https://example.com/p?ref_src=twsrc&ref_url=x&mc_cid=1&mc_eid=2&yclid=3&msclkid=4&dclid=5",
            "web:example.com/p"),
        row("https://example.com/p?igsh=1&igshid=2&mibextid=3&rdid=4&share_url=5&twclid=6&_gl=7", "web:example.com/p"),
        row("https://example.com/p?__cft__[0]=AZ&__tn__=%2CO%2CP-R", "web:example.com/p"),
        row("https://example.com/p?__cft__%5B0%5D=AZ", "web:example.com/p"),
        row("https://example.com/p?s=20&t=abc", "web:example.com/p?s=20&t=abc"),
        row("https://example.com/a/b/..", "web:example.com/a"),
        row("https://example.com/../a", "web:example.com/a"),
        row("https://example.com/a/%2E%2E/b", "web:example.com/b"),
        row("https://EXAMPLE.com/A", "web:example.com/A"),
        row("https://www.com/", "web:www.com/"),
        row("https://www2.example.com/", "web:www2.example.com/"),
        row("https://news.example.co.uk/2024/01/article", "web:news.example.co.uk/2024/01/article"),
        row("https://example.com/a?q=1#!/frag", "web:example.com/a?q=1"),
        row("https://[2001:DB8::1]/x", "web:[2001:db8::1]/x"),
        row("https://192.168.0.1:8443/x", "web:192.168.0.1:8443/x"),
        row("https://example.com/a?flag", "web:example.com/a?flag"),
        row("https://example.com/a?UTM_SOURCE=x&Utm_Medium=y", "web:example.com/a"),
        row("https://example.com/a?mtm_campaign=x&hsa_acc=1", "web:example.com/a"),
        row("https://example.com/a?id=1&id=0", "web:example.com/a?id=0&id=1"),
        row("https://example.com/a\\b", "web:example.com/a/b"),
        row("https://example.com/a?q=%e2%82%ac", "web:example.com/a?q=%E2%82%AC"),
        row("https://www.google.com/search?q=haine", "web:google.com/search?q=haine"),
        row("https://vm.tiktok.com/ZMabc123/", "web:vm.tiktok.com/ZMabc123"),
    ]

    static let invalid: [String] = [
        "ftp://example.com/x", "mailto:someone@example.com", "javascript:alert(1)", "", "   ", "not a url",
        "https://", "https:///path", "http://exa mple.com/", "example.com/a", "www.example.com",
        "https://example.com:99999/", "https://example.com:abc/", "httpx://example.com", "https://exa<mple.com/",
        "https://a..b.com/", "https://.example.com/", "data:text/html,hello", "https:example.com",
    ]

    static let x: [IdentityCase] = [
        row(
            "https://twitter.com/SomeUser/status/1790000000000000001", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://x.com/SomeUser/status/1790000000000000001?s=20&t=AbCdEf", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://mobile.twitter.com/SomeUser/status/1790000000000000001", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://m.twitter.com/someuser/status/1790000000000000001", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://mobile.x.com/SOMEUSER/status/1790000000000000001", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://www.twitter.com/SomeUser/Status/1790000000000000001", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row("https://twitter.com/i/web/status/1790000000000000001", "x:status:1790000000000000001", .post),
        row("https://x.com/i/status/1790000000000000001", "x:status:1790000000000000001", .post),
        row(
            "https://twitter.com/SomeUser/statuses/1790000000000000001", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://x.com/SomeUser/status/1790000000000000001/photo/1", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://x.com/SomeUser/status/1790000000000000001/video/2", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://x.com/SomeUser/status/1790000000000000001/analytics", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://fxtwitter.com/SomeUser/status/1790000000000000001", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://vxtwitter.com/SomeUser/status/1790000000000000001", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://fixupx.com/SomeUser/status/1790000000000000001", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://twitter.com/#!/SomeUser/status/1790000000000000001", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://x.com/SomeUser/status/1790000000000000001?ref_src=twsrc%5Etfw", "x:status:1790000000000000001",
            .post, account: "x:account:someuser"),
        row(
            "https://x.com/SomeUser/status/1790000000000000001#m", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://twitter.com/SomeUser/status/1790000000000000002", "x:status:1790000000000000002", .post,
            account: "x:account:someuser"),
        row("https://x.com/SomeUser", "x:account:someuser", .account),
        row("https://twitter.com/someuser/", "x:account:someuser", .account),
        row("https://x.com/SomeUser/media", "x:account:someuser", .account),
        row("https://x.com/SomeUser/with_replies", "x:account:someuser", .account),
        row("https://mobile.twitter.com/SomeUser?lang=fr", "x:account:someuser", .account),
        row("https://x.com/home", "web:x.com/home", platform: "x"),
        row(
            "https://twitter.com/search?q=%23tag&src=hashtag_click", "web:x.com/search?q=%23tag&src=hashtag_click",
            platform: "x"),
        row("https://x.com/hashtag/France?s=21", "web:x.com/hashtag/France", platform: "x"),
        row("https://x.com/explore", "web:x.com/explore", platform: "x"),
        row("https://x.com/i/lists/123", "web:x.com/i/lists/123", platform: "x"),
        row("https://twitter.com/intent/tweet?text=hi", "web:x.com/intent/tweet?text=hi", platform: "x"),
        row("https://x.com/settings/profile", "web:x.com/settings/profile", platform: "x"),
        row("https://x.com/SomeUser/status/notanumber", "web:x.com/SomeUser/status/notanumber", platform: "x"),
    ]

    static let youtube: [IdentityCase] = [
        row("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://youtube.com/watch?v=dQw4w9WgXcQ&t=42s", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://m.youtube.com/watch?v=dQw4w9WgXcQ&feature=youtu.be", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://music.youtube.com/watch?v=dQw4w9WgXcQ&list=RDAMVM", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://www.youtube.com/watch?feature=share&v=dQw4w9WgXcQ", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://youtu.be/dQw4w9WgXcQ", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://youtu.be/dQw4w9WgXcQ?si=AbCdEf&t=10", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://youtube.com/shorts/dQw4w9WgXcQ?feature=share", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://www.youtube.com/embed/dQw4w9WgXcQ?start=10", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://www.youtube.com/live/dQw4w9WgXcQ?si=x", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://www.youtube.com/v/dQw4w9WgXcQ", "youtube:video:dQw4w9WgXcQ", .video),
        row("http://YOUTUBE.COM/watch?v=dQw4w9WgXcQ#t=30", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://www.youtube.com/watch?v=dQw4w9WgXcQ&pp=ygUJcmljayByb2xs", "youtube:video:dQw4w9WgXcQ", .video),
        row("https://www.youtube.com/watch?v=dQw4w9WgXcq", "youtube:video:dQw4w9WgXcq", .video),
        row("https://www.youtube.com/watch?v=a-b_c-d_e-f", "youtube:video:a-b_c-d_e-f", .video),
        row(
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzAbC123", "youtube:comment:dQw4w9WgXcQ/UgzAbC123",
            .comment),
        row("https://www.youtube.com/@SomeHandle", "youtube:handle:somehandle", .account),
        row("https://youtube.com/@somehandle/videos", "youtube:handle:somehandle", .account),
        row("https://m.youtube.com/@SOMEHANDLE/shorts?app=desktop", "youtube:handle:somehandle", .account),
        row(
            "https://www.youtube.com/channel/UC1234567890abcdefGHIJ", "youtube:channel:UC1234567890abcdefGHIJ",
            .account),
        row(
            "https://www.youtube.com/channel/UC1234567890abcdefGHIJ/videos", "youtube:channel:UC1234567890abcdefGHIJ",
            .account),
        row(
            "https://www.youtube.com/channel/UC1234567890ABCDEFGHIJ", "youtube:channel:UC1234567890ABCDEFGHIJ",
            .account),
        row("https://www.youtube.com/c/SomeName", "youtube:c:somename", .account),
        row("https://www.youtube.com/user/SomeUser/videos", "youtube:user:someuser", .account),
        row("https://www.youtube.com/playlist?list=PLabc123_XYZ", "youtube:playlist:PLabc123_XYZ", .playlist),
        row(
            "https://www.youtube.com/results?search_query=haine", "web:youtube.com/results?search_query=haine",
            platform: "youtube"),
        row("https://www.youtube.com/watch?v=short", "web:youtube.com/watch?v=short", platform: "youtube"),
        row("https://www.youtube.com/feed/trending", "web:youtube.com/feed/trending", platform: "youtube"),
    ]

    static let facebook: [IdentityCase] = [
        row(
            "https://www.facebook.com/story.php?story_fbid=10158000000000001&id=100000000000001",
            "facebook:post:10158000000000001", .post, account: "facebook:id:100000000000001"),
        row(
            "https://m.facebook.com/story.php?story_fbid=10158000000000001&id=100000000000001&mibextid=Nif5oz",
            "facebook:post:10158000000000001", .post, account: "facebook:id:100000000000001"),
        row(
            "https://www.facebook.com/permalink.php?story_fbid=10158000000000001&id=100000000000001",
            "facebook:post:10158000000000001", .post, account: "facebook:id:100000000000001"),
        row(
            "https://mbasic.facebook.com/story.php?id=100000000000001&story_fbid=10158000000000001&refid=8",
            "facebook:post:10158000000000001", .post, account: "facebook:id:100000000000001"),
        row(
            "https://www.facebook.com/100000000000001/posts/10158000000000001/",
            "facebook:post:10158000000000001", .post, account: "facebook:id:100000000000001"),
        row(
            "https://www.facebook.com/SomePage/posts/pfbid02AbCdEfGhIjKlMnOp", "facebook:post:pfbid02AbCdEfGhIjKlMnOp",
            .post, account: "facebook:account:somepage"),
        row(
            "https://web.facebook.com/some.page/posts/pfbid02AbCdEfGhIjKlMnOp?__cft__[0]=AZ&__tn__=%2CO%2CP-R",
            "facebook:post:pfbid02AbCdEfGhIjKlMnOp", .post, account: "facebook:account:somepage"),
        row(
            "https://touch.facebook.com/SomePage/posts/pfbid02AbCdEfGhIjKlMnOp",
            "facebook:post:pfbid02AbCdEfGhIjKlMnOp",
            .post, account: "facebook:account:somepage"),
        row(
            "https://fr-fr.facebook.com/SomePage/posts/pfbid02AbCdEfGhIjKlMnOp",
            "facebook:post:pfbid02AbCdEfGhIjKlMnOp", .post, account: "facebook:account:somepage"),
        row(
            "https://www.facebook.com/SomePage/posts/pfbid02AbCdEfGhIjKlMnOq", "facebook:post:pfbid02AbCdEfGhIjKlMnOq",
            .post, account: "facebook:account:somepage"),
        row("https://www.facebook.com/reel/1234567890123456", "facebook:video:1234567890123456", .video),
        row("https://www.facebook.com/watch?v=1234567890123456", "facebook:video:1234567890123456", .video),
        row(
            "https://www.facebook.com/watch/?v=1234567890123456&ref=sharing", "facebook:video:1234567890123456",
            .video),
        row(
            "https://www.facebook.com/SomePage/videos/1234567890123456/", "facebook:video:1234567890123456", .video,
            account: "facebook:account:somepage"),
        row(
            "https://www.facebook.com/SomePage/videos/un-titre/1234567890123456/", "facebook:video:1234567890123456",
            .video, account: "facebook:account:somepage"),
        row("https://www.facebook.com/page/videos/1234567890123456/", "facebook:video:1234567890123456", .video),
        row("https://www.facebook.com/photo?fbid=987654321&set=a.123", "facebook:photo:987654321", .photo),
        row("https://www.facebook.com/photo.php?fbid=987654321&set=a.123&type=3", "facebook:photo:987654321", .photo),
        row(
            "https://www.facebook.com/SomePage/photos/a.111/987654321/", "facebook:photo:987654321", .photo,
            account: "facebook:account:somepage"),
        row(
            "https://www.facebook.com/groups/SomeGroup/posts/555555555/", "facebook:post:555555555", .post,
            account: "facebook:group:somegroup"),
        row(
            "https://m.facebook.com/groups/123456/permalink/555555556/", "facebook:post:555555556", .post,
            account: "facebook:group:123456"),
        row("https://www.facebook.com/SomePage", "facebook:account:somepage", .account),
        row("https://facebook.com/some.page/", "facebook:account:somepage", .account),
        row("https://m.facebook.com/Some.Page?ref=bookmarks", "facebook:account:somepage", .account),
        row("https://www.facebook.com/SomePage/about", "facebook:account:somepage", .account),
        row("https://www.facebook.com/pg/SomePage/posts/", "facebook:account:somepage", .account),
        row("https://www.facebook.com/profile.php?id=100000000000001", "facebook:id:100000000000001", .account),
        row(
            "https://www.facebook.com/profile.php?id=100000000000001&sk=photos", "facebook:id:100000000000001",
            .account),
        row("https://www.facebook.com/100000000000001", "facebook:id:100000000000001", .account),
        row("https://www.facebook.com/people/Jean-Dupont/100000000000001/", "facebook:id:100000000000001", .account),
        row("https://www.facebook.com/groups/SomeGroup/", "facebook:group:somegroup", .group),
        row("https://www.facebook.com/events/123", "web:facebook.com/events/123", platform: "facebook"),
        row("https://www.facebook.com/hashtag/france", "web:facebook.com/hashtag/france", platform: "facebook"),
        row("https://www.facebook.com/share/p/1AbCdEf/", "web:facebook.com/share/p/1AbCdEf", platform: "facebook"),
    ]

    static let instagram: [IdentityCase] = [
        row("https://www.instagram.com/p/C1a2B3c4D5e/", "instagram:post:C1a2B3c4D5e", .post),
        row("https://instagram.com/p/C1a2B3c4D5e/?igsh=MWQ1ZGUxMzBkMA==", "instagram:post:C1a2B3c4D5e", .post),
        row(
            "https://www.instagram.com/reel/C1a2B3c4D5e/?utm_source=ig_web_copy_link", "instagram:post:C1a2B3c4D5e",
            .post),
        row("https://www.instagram.com/reels/C1a2B3c4D5e/", "instagram:post:C1a2B3c4D5e", .post),
        row("https://www.instagram.com/tv/C1a2B3c4D5e/", "instagram:post:C1a2B3c4D5e", .post),
        row("https://m.instagram.com/p/C1a2B3c4D5e", "instagram:post:C1a2B3c4D5e", .post),
        row("https://instagr.am/p/C1a2B3c4D5e/", "instagram:post:C1a2B3c4D5e", .post),
        row(
            "https://www.instagram.com/SomeOne/p/C1a2B3c4D5e/", "instagram:post:C1a2B3c4D5e", .post,
            account: "instagram:account:someone"),
        row(
            "https://www.instagram.com/some.one/reel/C1a2B3c4D5e/", "instagram:post:C1a2B3c4D5e", .post,
            account: "instagram:account:some.one"),
        row("https://www.instagram.com/p/C1a2B3c4D5E/", "instagram:post:C1a2B3c4D5E", .post),
        row("https://www.instagram.com/SomeOne/", "instagram:account:someone", .account),
        row("https://instagram.com/someone?igsh=abc", "instagram:account:someone", .account),
        row("https://www.instagram.com/someone/tagged/", "instagram:account:someone", .account),
        row(
            "https://www.instagram.com/stories/SomeOne/3300000000000000000/", "instagram:story:3300000000000000000",
            .story, account: "instagram:account:someone"),
        row(
            "https://www.instagram.com/explore/tags/france/", "web:instagram.com/explore/tags/france",
            platform: "instagram"),
        row(
            "https://www.instagram.com/reels/audio/123456/", "web:instagram.com/reels/audio/123456",
            platform: "instagram"),
    ]

    static let tiktok: [IdentityCase] = [
        row(
            "https://www.tiktok.com/@SomeUser/video/7300000000000000001", "tiktok:post:7300000000000000001", .post,
            account: "tiktok:account:someuser"),
        row(
            "https://www.tiktok.com/@someuser/video/7300000000000000001?is_from_webapp=1&sender_device=pc&web_id=7",
            "tiktok:post:7300000000000000001", .post, account: "tiktok:account:someuser"),
        row(
            "https://m.tiktok.com/@someuser/video/7300000000000000001", "tiktok:post:7300000000000000001", .post,
            account: "tiktok:account:someuser"),
        row(
            "https://www.tiktok.com/@SomeUser/photo/7300000000000000001", "tiktok:post:7300000000000000001", .post,
            account: "tiktok:account:someuser"),
        row("https://m.tiktok.com/v/7300000000000000001.html", "tiktok:post:7300000000000000001", .post),
        row("https://www.tiktok.com/embed/v2/7300000000000000001", "tiktok:post:7300000000000000001", .post),
        row(
            "https://www.tiktok.com/@someuser/video/7300000000000000002", "tiktok:post:7300000000000000002", .post,
            account: "tiktok:account:someuser"),
        row("https://www.tiktok.com/@SomeUser", "tiktok:account:someuser", .account),
        row("https://tiktok.com/@someuser?lang=fr", "tiktok:account:someuser", .account),
        row("https://www.tiktok.com/@some.user_1", "tiktok:account:some.user_1", .account),
        row("https://www.tiktok.com/tag/france", "web:tiktok.com/tag/france", platform: "tiktok"),
    ]

    static let telegram: [IdentityCase] = [
        row(
            "https://t.me/SomeChannel/1234", "telegram:post:somechannel/1234", .post,
            account: "telegram:channel:somechannel"),
        row(
            "https://t.me/s/SomeChannel/1234", "telegram:post:somechannel/1234", .post,
            account: "telegram:channel:somechannel"),
        row(
            "https://telegram.me/somechannel/1234", "telegram:post:somechannel/1234", .post,
            account: "telegram:channel:somechannel"),
        row(
            "https://t.me/somechannel/1234?single", "telegram:post:somechannel/1234", .post,
            account: "telegram:channel:somechannel"),
        row(
            "https://telegram.dog/SOMECHANNEL/1234", "telegram:post:somechannel/1234", .post,
            account: "telegram:channel:somechannel"),
        row(
            "https://t.me/somechannel/1235", "telegram:post:somechannel/1235", .post,
            account: "telegram:channel:somechannel"),
        row(
            "https://t.me/somechannel/1234?comment=98765", "telegram:comment:somechannel/1234/98765", .comment,
            account: "telegram:channel:somechannel"),
        row("https://t.me/c/1234567890/42", "telegram:post:c/1234567890/42", .post),
        row(
            "https://t.me/SomeGroup/77/1234", "telegram:post:somegroup/1234", .post,
            account: "telegram:channel:somegroup"),
        row("https://t.me/SomeChannel", "telegram:channel:somechannel", .account),
        row("https://t.me/s/somechannel", "telegram:channel:somechannel", .account),
        row("https://telegram.me/SomeChannel/", "telegram:channel:somechannel", .account),
        row("https://t.me/joinchat/AbCdEf", "web:t.me/joinchat/AbCdEf", platform: "telegram"),
        row("https://t.me/+AbCdEf123", "web:t.me/+AbCdEf123", platform: "telegram"),
    ]

    static let reddit: [IdentityCase] = [
        row(
            "https://www.reddit.com/r/France/comments/1abc23/un_titre/", "reddit:post:1abc23", .post,
            account: "reddit:subreddit:france"),
        row(
            "https://old.reddit.com/r/france/comments/1abc23/un_titre/?utm_source=share&utm_medium=web2x",
            "reddit:post:1abc23", .post, account: "reddit:subreddit:france"),
        row(
            "https://new.reddit.com/r/France/comments/1abc23/", "reddit:post:1abc23", .post,
            account: "reddit:subreddit:france"),
        row(
            "https://np.reddit.com/r/France/comments/1abc23/un_titre/", "reddit:post:1abc23", .post,
            account: "reddit:subreddit:france"),
        row(
            "https://reddit.com/r/France/comments/1ABC23", "reddit:post:1abc23", .post,
            account: "reddit:subreddit:france"),
        row("https://redd.it/1abc23", "reddit:post:1abc23", .post),
        row("https://www.reddit.com/comments/1abc23", "reddit:post:1abc23", .post),
        row(
            "https://www.reddit.com/r/France/comments/1abc23/un_titre/kxyz789/", "reddit:comment:1abc23/kxyz789",
            .comment, account: "reddit:subreddit:france"),
        row(
            "https://www.reddit.com/r/France/comments/1abc23/comment/kxyz789/?context=3",
            "reddit:comment:1abc23/kxyz789", .comment, account: "reddit:subreddit:france"),
        row(
            "https://old.reddit.com/r/France/comments/1abc23/un_titre/kxyz790/", "reddit:comment:1abc23/kxyz790",
            .comment, account: "reddit:subreddit:france"),
        row("https://www.reddit.com/r/France/", "reddit:subreddit:france", .group),
        row("https://www.reddit.com/user/Some_User/", "reddit:user:some_user", .account),
        row("https://www.reddit.com/u/some_user", "reddit:user:some_user", .account),
        row("https://old.reddit.com/user/Some_User/submitted/", "reddit:user:some_user", .account),
        row(
            "https://www.reddit.com/user/Some_User/comments/1xyz99/titre/", "reddit:post:1xyz99", .post,
            account: "reddit:user:some_user"),
        row("https://www.reddit.com/r/France/wiki/index", "web:reddit.com/r/France/wiki/index", platform: "reddit"),
        row("https://www.reddit.com/r/France/s/AbCdEf", "web:reddit.com/r/France/s/AbCdEf", platform: "reddit"),
    ]

    static let shims: [IdentityCase] = [
        row(
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fyoutu.be%2FdQw4w9WgXcQ&h=AT0abc",
            "youtube:video:dQw4w9WgXcQ", .video),
        row(
            "https://www.google.com/url?q=https://example.com/x%3Fid%3D1&sa=D&source=editors",
            "web:example.com/x?id=1"),
        row(
            "https://www.google.fr/url?sa=t&url=https%3A%2F%2Ftwitter.com%2Fa_b%2Fstatus%2F5",
            "x:status:5", .post, account: "x:account:a_b"),
        row("https://l.facebook.com/l.php?h=AT0abc", "web:l.facebook.com/l.php?h=AT0abc"),
    ]

    static let all: [IdentityCase] =
        web + x + youtube + facebook + instagram + tiktok + telegram + reddit + shims + wrappers + idna
        + dailymotion + threads + bluesky + vk + rumble + odysee + twitch + kick + linkedin + gab + truthSocial
        + discord + xMirrors + siteRoots
}

// MARK: - Issue 8: wrappers, bare hosts, IDNA and the platforms added with the one-file rule shape

extension IdentityCases {
    /// Redirect wrappers stand for their target; a wrapper that cannot be decoded is identified as it is.
    static let wrappers: [IdentityCase] = [
        row(
            "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Ftwitter.com%2FSomeUser%2Fstatus%2F"
                + "1790000000000000001%3Fs%3D20&data=05%7C02%7Cjean%40example.fr%7Cabc%7C0&sdata=xYz%2B1%3D&reserved=0",
            "x:status:1790000000000000001", .post, account: "x:account:someuser"),
        row(
            "https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.example.com%2Farticle%3Fid%3D7"
                + "%26utm_source%3Dnewsletter&data=05%7C01&reserved=0",
            "web:example.com/article?id=7"),
        row(
            "https://www.google.co.uk/url?sa=t&rct=j&q=&esrc=s&url=https%3A%2F%2Fyoutu.be%2FdQw4w9WgXcQ&usg=AOv",
            "youtube:video:dQw4w9WgXcQ", .video),
        row("https://lm.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2Fa%3Fb%3D1&h=AT1xYz", "web:example.com/a?b=1"),
        row(
            "https://l.instagram.com/?u=https%3A%2F%2Fwww.tiktok.com%2F%40someuser%2Fvideo%2F7300000000000000001&e=AT0",
            "tiktok:post:7300000000000000001", .post, account: "tiktok:account:someuser"),
        row(
            "https://www.youtube.com/redirect?event=video_description&redir_token=QUFFLUhq&q=https%3A%2F%2Fexample.com"
                + "%2Fsource&v=dQw4w9WgXcQ",
            "web:example.com/source"),
        row(
            "https://urldefense.proofpoint.com/v2/url?u=https-3A__www.example.com_a_b-3Fid-3D1&d=DwMFaQ"
                + "&c=euGZstcaTDllvimEN8b7jXrwqOf-v5A_CdpgnVfiiMM&r=abc&m=def&s=ghi&e=",
            "web:example.com/a/b?id=1"),
        row(
            "https://urldefense.proofpoint.com/v2/url?u=https-3A__twitter.com_some-5Fuser_status_1790000000000000001"
                + "&d=DwMF&e=",
            "x:status:1790000000000000001", .post, account: "x:account:some_user"),
        row(
            "https://urldefense.proofpoint.com/v1/url?u=https%3A%2F%2Fexample.com%2Fv1%2Fpage&k=abc%3D%0A&r=x",
            "web:example.com/v1/page"),
        row(
            "https://urldefense.com/v3/__https://www.example.com/page*id=7__;Pw!!G3vK!abcDEF$",
            "web:example.com/page?id=7"),
        row(
            "https://urldefense.com/v3/__https://t.me/s/SomeChannel/1234**Asingle__;PyY!!G3vK!x$",
            "telegram:post:somechannel/1234", .post, account: "telegram:channel:somechannel"),
        row(
            "https://urldefense.com/v3/__https:/x.com/SomeUser/status/1790000000000000001__;!!G3vK!x$",
            "x:status:1790000000000000001", .post, account: "x:account:someuser"),
        row(
            "https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Furldefense.proofpoint.com%2Fv2%2Furl"
                + "%3Fu%3Dhttps-3A__www.youtube.com_watch-3Fv-3DdQw4w9WgXcQ%26d%3DDwMF%26e%3D&data=05%7C02&reserved=0",
            "youtube:video:dQw4w9WgXcQ", .video),
        row(
            "https://www.google.com/url?q=https%3A%2F%2Fl.facebook.com%2Fl.php%3Fu%3Dhttps%253A%252F%252Fx.com%252Fa_b"
                + "%252Fstatus%252F5%26h%3DAT0&sa=D",
            "x:status:5", .post, account: "x:account:a_b"),
        row("https://vk.com/away.php?to=https%3A%2F%2Fexample.com%2Fvk&cc_key=", "web:example.com/vk"),
        // Cannot be decoded: kept as reported.
        row(
            "https://eur01.safelinks.protection.outlook.com/?data=05%7C02%7C&reserved=0",
            "web:eur01.safelinks.protection.outlook.com/?data=05%7C02%7C&reserved=0"),
        row(
            "https://eur01.safelinks.protection.outlook.com/?url=mailto%3Aa%40b.fr&data=1",
            "web:eur01.safelinks.protection.outlook.com/?data=1&url=mailto%3Aa%40b.fr"),
        row(
            "https://urldefense.com/v3/__https://example.com/a*b__;!!G3vK!x$",
            "web:urldefense.com/v3/__https://example.com/a*b__;!!G3vK!x$"),
        row(
            "https://urldefense.proofpoint.com/v2/url?u=notaurl&d=x",
            "web:urldefense.proofpoint.com/v2/url?d=x&u=notaurl"
        ),
    ]

    /// A known platform's home page is no content (nil); through a wrapper too.
    static let bareHosts: [String] = [
        "https://facebook.com", "https://web.facebook.com/", "http://WEB.FACEBOOK.COM", "https://www.facebook.com/",
        "https://fr-fr.facebook.com/", "https://m.facebook.com/?ref=bookmarks", "https://x.com", "https://x.com/",
        "https://twitter.com/?lang=fr", "https://mobile.twitter.com/", "https://www.youtube.com/", "https://youtu.be/",
        "https://t.me/", "https://www.instagram.com/", "https://www.tiktok.com/", "https://www.reddit.com/",
        "https://old.reddit.com", "https://redd.it/", "https://www.dailymotion.com/", "https://dai.ly/",
        "https://www.threads.net/", "https://www.threads.com", "https://bsky.app/", "https://vk.com/",
        "https://rumble.com/", "https://odysee.com/", "https://www.twitch.tv/", "https://clips.twitch.tv/",
        "https://kick.com/", "https://www.linkedin.com/", "https://fr.linkedin.com/", "https://gab.com/",
        "https://truthsocial.com/", "https://discord.com/", "https://discord.gg/", "https://nitter.net/",
        "https://xcancel.com/", "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fweb.facebook.com%2F",
    ]

    /// An ordinary site's bare domain still is a content: a citizen may report a whole site.
    static let siteRoots: [IdentityCase] = [
        row("https://www.lemonde.fr", "web:lemonde.fr/"),
        row("https://site-haineux.example/", "web:site-haineux.example/"),
        row("http://WWW.Site-Haineux.Example", "web:site-haineux.example/"),
    ]

    /// UTS 46 mapping (NFKC, lowercase, ideographic full stops) before Punycode.
    static let idna: [IdentityCase] = [
        row("https://ｅxample.com/a", "web:example.com/a"),
        row("https://ｅｘａｍｐｌｅ.ｃｏｍ/a", "web:example.com/a"),
        row("https://example\u{3002}com/a", "web:example.com/a"),
        row("https://example\u{FF0E}com/a", "web:example.com/a"),
        row("https://example\u{FF61}com/a", "web:example.com/a"),
        row("https://ＷＷＷ.example.com/a", "web:example.com/a"),
        row("https://%EF%BD%85xample.com/a", "web:example.com/a"),
        row("https://\u{FB01}nance.example/x", "web:finance.example/x"),
        row("https://ｘ.com/SomeUser", "x:account:someuser", .account),
        row("https://ｂüｃｈｅｒ.example/", "web:xn--bcher-kva.example/"),
        row("https://\u{24C2}ünchen.de/stadt", "web:xn--mnchen-3ya.de/stadt"),
        row("https://mu\u{0308}nchen.de/stadt", "web:xn--mnchen-3ya.de/stadt"),
    ]

    static let dailymotion: [IdentityCase] = [
        row("https://www.dailymotion.com/video/x8abcd1", "dailymotion:video:x8abcd1", .video),
        row("https://dai.ly/x8abcd1", "dailymotion:video:x8abcd1", .video),
        row("https://www.dailymotion.com/video/x8abcd1?playlist=x6hynp", "dailymotion:video:x8abcd1", .video),
        row("https://www.dailymotion.com/embed/video/x8abcd1?autoplay=1", "dailymotion:video:x8abcd1", .video),
        row("https://geo.dailymotion.com/player.html?video=x8abcd1", "dailymotion:video:x8abcd1", .video),
        row("https://touch.dailymotion.com/video/x8abcd1", "dailymotion:video:x8abcd1", .video),
        row("https://www.dailymotion.com/video/x7tgad0_le-titre_news", "dailymotion:video:x7tgad0", .video),
        row("https://www.dailymotion.com/SomeChannel", "dailymotion:account:somechannel", .account),
        row("https://www.dailymotion.com/playlist/x6hynp", "dailymotion:playlist:x6hynp", .playlist),
        row(
            "https://www.dailymotion.com/search/haine/videos", "web:dailymotion.com/search/haine/videos",
            platform: "dailymotion"),
    ]

    static let threads: [IdentityCase] = [
        row(
            "https://www.threads.net/@some.user/post/C1a2B3c4D5e", "threads:post:C1a2B3c4D5e", .post,
            account: "threads:account:some.user"),
        row(
            "https://www.threads.com/@Some.User/post/C1a2B3c4D5e?xmt=AQGz", "threads:post:C1a2B3c4D5e", .post,
            account: "threads:account:some.user"),
        row(
            "https://www.threads.com/@some.user/post/C1a2B3c4D5e/media", "threads:post:C1a2B3c4D5e", .post,
            account: "threads:account:some.user"),
        row("https://threads.net/t/C1a2B3c4D5e", "threads:post:C1a2B3c4D5e", .post),
        row("https://www.threads.com/@Some.User", "threads:account:some.user", .account),
        row("https://www.threads.net/@some.user/replies", "threads:account:some.user", .account),
        row("https://www.threads.com/search?q=haine", "web:threads.com/search?q=haine", platform: "threads"),
    ]

    static let bluesky: [IdentityCase] = [
        row(
            "https://bsky.app/profile/someone.bsky.social/post/3kabcdefghi2x",
            "bluesky:post:someone.bsky.social/3kabcdefghi2x", .post, account: "bluesky:account:someone.bsky.social"),
        row(
            "https://bsky.app/profile/SomeOne.bsky.social/post/3kabcdefghi2x",
            "bluesky:post:someone.bsky.social/3kabcdefghi2x", .post, account: "bluesky:account:someone.bsky.social"),
        row("https://bsky.app/profile/someone.bsky.social", "bluesky:account:someone.bsky.social", .account),
        row(
            "https://bsky.app/profile/did:plc:abcdefghijklmnop/post/3kabcdefghi2x",
            "bluesky:post:did:plc:abcdefghijklmnop/3kabcdefghi2x", .post,
            account: "bluesky:account:did:plc:abcdefghijklmnop"),
        row("https://bsky.app/search?q=haine", "web:bsky.app/search?q=haine", platform: "bluesky"),
    ]

    static let vk: [IdentityCase] = [
        row("https://vk.com/wall-12345_678", "vk:post:-12345_678", .post, account: "vk:club:12345"),
        row("https://m.vk.com/wall-12345_678?from=group", "vk:post:-12345_678", .post, account: "vk:club:12345"),
        row("https://vk.com/somegroup?w=wall-12345_678", "vk:post:-12345_678", .post, account: "vk:club:12345"),
        row("https://vk.ru/wall-12345_678", "vk:post:-12345_678", .post, account: "vk:club:12345"),
        row("https://vk.com/wall12345_9", "vk:post:12345_9", .post, account: "vk:id:12345"),
        row("https://vk.com/video-12345_456239017", "vk:video:-12345_456239017", .video, account: "vk:club:12345"),
        row("https://vk.com/clip-12345_456239017", "vk:video:-12345_456239017", .video, account: "vk:club:12345"),
        row(
            "https://vk.com/video?z=video-12345_456239017%2Fpl_cat_trends", "vk:video:-12345_456239017", .video,
            account: "vk:club:12345"),
        row("https://vk.com/photo-12345_457239018", "vk:photo:-12345_457239018", .photo, account: "vk:club:12345"),
        row("https://vk.com/id12345", "vk:id:12345", .account),
        row("https://vk.com/club12345", "vk:club:12345", .account),
        row("https://vk.com/public12345", "vk:club:12345", .account),
        row("https://vk.com/SomeGroup", "vk:account:somegroup", .account),
        row("https://vk.com/feed", "web:vk.com/feed", platform: "vk"),
    ]

    static let rumble: [IdentityCase] = [
        row("https://rumble.com/v4abc12-le-titre-de-la-video.html", "rumble:video:v4abc12", .video),
        row("https://rumble.com/v4abc12-autre-titre.html?mref=x&mc=y", "rumble:video:v4abc12", .video),
        row("https://rumble.com/embed/v3xyz9/?pub=4", "rumble:embed:v3xyz9", .video),
        row("https://rumble.com/c/SomeChannel", "rumble:c:somechannel", .account),
        row("https://rumble.com/c/SomeChannel/videos", "rumble:c:somechannel", .account),
        row("https://rumble.com/user/SomeUser", "rumble:user:someuser", .account),
        row("https://rumble.com/videos?sort=views", "web:rumble.com/videos?sort=views", platform: "rumble"),
    ]

    static let odysee: [IdentityCase] = [
        row(
            "https://odysee.com/@SomeChannel:a/la-video:3", "odysee:stream:la-video:3", .video,
            account: "odysee:channel:somechannel:a"),
        row(
            "https://odysee.com/@somechannel:a/La-Video:3", "odysee:stream:la-video:3", .video,
            account: "odysee:channel:somechannel:a"),
        row("https://odysee.com/la-video:3", "odysee:stream:la-video:3", .video),
        row("https://odysee.com/$/embed/la-video:3", "odysee:stream:la-video:3", .video),
        row("https://odysee.com/@SomeChannel:a", "odysee:channel:somechannel:a", .account),
        row("https://odysee.com/$/search?q=haine", "web:odysee.com/$/search?q=haine", platform: "odysee"),
    ]

    static let twitch: [IdentityCase] = [
        row("https://www.twitch.tv/videos/1234567890", "twitch:video:1234567890", .video),
        row("https://m.twitch.tv/videos/1234567890", "twitch:video:1234567890", .video),
        row(
            "https://www.twitch.tv/SomeStreamer/video/1234567890", "twitch:video:1234567890", .video,
            account: "twitch:channel:somestreamer"),
        row("https://player.twitch.tv/?video=v1234567890&parent=example.com", "twitch:video:1234567890", .video),
        row("https://clips.twitch.tv/FunnyClipSlug-AbCdEf123", "twitch:clip:FunnyClipSlug-AbCdEf123", .video),
        row(
            "https://www.twitch.tv/SomeStreamer/clip/FunnyClipSlug-AbCdEf123?filter=clips",
            "twitch:clip:FunnyClipSlug-AbCdEf123", .video, account: "twitch:channel:somestreamer"),
        row(
            "https://clips.twitch.tv/embed?clip=FunnyClipSlug-AbCdEf123&parent=example.com",
            "twitch:clip:FunnyClipSlug-AbCdEf123", .video),
        row("https://www.twitch.tv/SomeStreamer", "twitch:channel:somestreamer", .account),
        row("https://www.twitch.tv/somestreamer/about", "twitch:channel:somestreamer", .account),
        row(
            "https://www.twitch.tv/directory/category/just-chatting", "web:twitch.tv/directory/category/just-chatting",
            platform: "twitch"),
    ]

    static let kick: [IdentityCase] = [
        row("https://kick.com/SomeStreamer", "kick:channel:somestreamer", .account),
        row(
            "https://kick.com/somestreamer/videos/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
            "kick:video:0a1b2c3d-4e5f-6789-abcd-ef0123456789", .video, account: "kick:channel:somestreamer"),
        row(
            "https://kick.com/video/0A1B2C3D-4E5F-6789-ABCD-EF0123456789",
            "kick:video:0a1b2c3d-4e5f-6789-abcd-ef0123456789", .video),
        row(
            "https://kick.com/somestreamer/clips/clip_01HABCDEF123", "kick:clip:clip_01HABCDEF123", .video,
            account: "kick:channel:somestreamer"),
        row(
            "https://kick.com/SomeStreamer?clip=clip_01HABCDEF123", "kick:clip:clip_01HABCDEF123", .video,
            account: "kick:channel:somestreamer"),
        row("https://kick.com/categories/just-chatting", "web:kick.com/categories/just-chatting", platform: "kick"),
    ]

    static let linkedin: [IdentityCase] = [
        row(
            "https://www.linkedin.com/feed/update/urn:li:activity:7123456789012345678/",
            "linkedin:activity:7123456789012345678", .post),
        row(
            "https://www.linkedin.com/posts/jean-dupont-12ab34_un-titre-activity-7123456789012345678-AbCd"
                + "?utm_source=share&utm_medium=member_desktop",
            "linkedin:activity:7123456789012345678", .post),
        row(
            "https://fr.linkedin.com/posts/jean-dupont_titre-activity-7123456789012345678-xY9z",
            "linkedin:activity:7123456789012345678", .post),
        row(
            "https://www.linkedin.com/embed/feed/update/urn:li:activity:7123456789012345678",
            "linkedin:activity:7123456789012345678", .post),
        row(
            "https://www.linkedin.com/feed/update/urn:li:ugcPost:7123456789012345000/",
            "linkedin:ugcpost:7123456789012345000", .post),
        row("https://www.linkedin.com/in/Jean-Dupont-12ab34/", "linkedin:in:jean-dupont-12ab34", .account),
        row(
            "https://www.linkedin.com/company/SomeCompany/posts/?feedView=all", "linkedin:company:somecompany", .account
        ),
        row(
            "https://www.linkedin.com/pulse/un-article-jean-dupont", "web:linkedin.com/pulse/un-article-jean-dupont",
            platform: "linkedin"),
    ]

    static let gab: [IdentityCase] = [
        row(
            "https://gab.com/SomeUser/posts/112233445566778899", "gab:post:112233445566778899", .post,
            account: "gab:account:someuser"),
        row(
            "https://gab.com/someuser/posts/112233445566778899?utm_source=x", "gab:post:112233445566778899", .post,
            account: "gab:account:someuser"),
        row("https://gab.com/SomeUser", "gab:account:someuser", .account),
        row("https://gab.com/groups/123", "web:gab.com/groups/123", platform: "gab"),
    ]

    static let truthSocial: [IdentityCase] = [
        row(
            "https://truthsocial.com/@realSomeone/posts/112233445566778899", "truthsocial:post:112233445566778899",
            .post, account: "truthsocial:account:realsomeone"),
        row(
            "https://truthsocial.com/@RealSomeone/112233445566778899", "truthsocial:post:112233445566778899", .post,
            account: "truthsocial:account:realsomeone"),
        row(
            "https://truthsocial.com/users/realSomeone/statuses/112233445566778899",
            "truthsocial:post:112233445566778899", .post, account: "truthsocial:account:realsomeone"),
        row("https://truthsocial.com/@realSomeone", "truthsocial:account:realsomeone", .account),
        row(
            "https://truthsocial.com/group/some-group", "web:truthsocial.com/group/some-group", platform: "truthsocial"),
    ]

    static let discord: [IdentityCase] = [
        row("https://discord.gg/AbCdEf12", "discord:invite:AbCdEf12", .group),
        row("https://discord.com/invite/AbCdEf12", "discord:invite:AbCdEf12", .group),
        row("https://discordapp.com/invite/AbCdEf12", "discord:invite:AbCdEf12", .group),
        row(
            "https://discord.com/channels/111111111111111111/222222222222222222/333333333333333333",
            "discord:message:111111111111111111/222222222222222222/333333333333333333", .post,
            account: "discord:server:111111111111111111"),
        row("https://discord.com/channels/111111111111111111", "discord:server:111111111111111111", .group),
        row("https://discord.com/app", "web:discord.com/app", platform: "discord"),
    ]

    /// Read-only mirrors and embed fixers of X share X's identities.
    static let xMirrors: [IdentityCase] = [
        row(
            "https://nitter.net/SomeUser/status/1790000000000000001#m", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://xcancel.com/SomeUser/status/1790000000000000001", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row(
            "https://fixvx.com/SomeUser/status/1790000000000000001", "x:status:1790000000000000001", .post,
            account: "x:account:someuser"),
        row("https://nitter.poast.org/someuser", "x:account:someuser", .account),
        row("https://nitter.net/search?q=haine", "web:x.com/search?q=haine", platform: "x"),
    ]
}
