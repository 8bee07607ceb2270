import Foundation
import Testing
import VigieCore
import VigieMail

/// A citizen's link never makes the evidence fetcher read this machine or its network: each of these is refused at
/// connect time (before any byte is sent), whatever name or notation leads there.
@Suite struct PageFetcherTests {
    @Test(arguments: [
        "http://127.0.0.1:9/", "http://localhost:9/", "http://[::1]:9/", "http://10.1.2.3/", "http://172.16.0.1/",
        "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0:9/",
        "http://100.64.0.1/", "http://[::ffff:127.0.0.1]:9/", "http://[fd00::1]/", "http://2130706433:9/",
    ])
    func privateAddressesAreRefused(url: String) {
        let s = PageFetcher(timeoutSeconds: 2).fetch(url)
        #expect(s.status == 0)
        #expect(
            s.error?.hasPrefix("refused: the address is loopback, private or link-local") == true, "\(s.error ?? "")")
        #expect(s.body.isEmpty && s.headers.isEmpty)
    }

    @Test func notHTTPIsRefused() {
        #expect(PageFetcher().fetch("file:///etc/passwd").error == "not an http(s) URL")
        #expect(PageFetcher().fetch("gopher://x.example/").error == "not an http(s) URL")
    }
}
