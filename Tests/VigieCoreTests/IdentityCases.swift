import Testing
import VigieCore

/// One row of the identity tables: an input URL and everything expected of its identity.
struct IdentityCase: Sendable, CustomTestStringConvertible {
    let url: String
    let key: String
    let platform: String
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
        url: url, key: key, platform: platform ?? String(key.prefix { $0 != ":" }), kind: kind, account: account)
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
        row("https://x.com/", "web:x.com/", platform: "x"),
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
        row("https://www.facebook.com/", "web:facebook.com/", platform: "facebook"),
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

    static let all: [IdentityCase] = web + x + youtube + facebook + instagram + tiktok + telegram + reddit + shims
}
