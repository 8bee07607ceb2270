import Testing
import VigieCore

@Suite("Short links")
struct ShortLinksTests {
    @Test(
        "short-link services are recognised",
        arguments: [
            "https://bit.ly/3AbCdEf", "http://t.co/xYz123", "https://tinyurl.com/abc", "https://www.bit.ly/x",
            "https://vm.tiktok.com/ZMabc123/", "https://www.tiktok.com/t/ZTabc/", "https://fb.watch/abc/",
            "https://www.facebook.com/share/p/1AbCdEf/", "https://m.facebook.com/share/v/1AbCdEf/",
            "https://www.reddit.com/r/France/s/AbCdEf", "https://goo.gl/maps/x", "HTTPS://BIT.LY/3AbCdEf",
        ])
    func shortLinks(_ url: String) {
        #expect(ShortLinks.isShortLink(url))
    }

    @Test(
        "ordinary URLs are not short links",
        arguments: [
            "https://bit.ly/", "https://bit.ly", "https://x.com/a/status/1", "https://youtu.be/dQw4w9WgXcQ",
            "https://redd.it/1abc23", "https://example.com/t.co", "https://notbit.ly/x", "ftp://bit.ly/x",
            "https://www.tiktok.com/@u/video/1", "https://www.facebook.com/sharer/sharer.php?u=x",
            "https://www.reddit.com/r/France/comments/1abc23/", "bit.ly/abc",
        ])
    func notShortLinks(_ url: String) {
        #expect(!ShortLinks.isShortLink(url))
    }

    @Test("configuration can add hosts")
    func extraHosts() {
        #expect(!ShortLinks.isShortLink("https://lien.example/abc"))
        #expect(ShortLinks.isShortLink("https://lien.example/abc", extraHosts: ["lien.example"]))
        #expect(ShortLinks.isShortLink("https://www.lien.example/abc", extraHosts: ["www.lien.example"]))
    }
}
