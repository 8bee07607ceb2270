import Foundation
import Synchronization
import Testing
import VigieCore
import VigieMail

/// The checker's client and verdicts against a real HTTP server on loopback playing a platform: a page that answers
/// 200 then 404 (or 410), an oEmbed endpoint that answers 200 then 404, a 429, a server too slow, a login wall.
@Suite struct LinkProbeTests {
    /// The scripted platform; `removed` flips every content to its removed answer.
    final class FakePlatform: Sendable {
        final class Flag: Sendable {
            let value = Mutex(false)
        }
        let flag = Flag()
        let server: TestHTTPServer

        /// From now on every content answers as removed.
        func remove() { flag.value.withLock { $0 = true } }

        init() throws {
            let flag = self.flag
            server = try TestHTTPServer { request in
                let gone = flag.value.withLock { $0 }
                let path = request.path
                if path.hasPrefix("/oembed?") {
                    return gone ? TestHTTPServer.Response(status: 404, body: "Not Found") : .ok(#"{"title":"x"}"#)
                }
                switch path {
                case "/video": return gone ? TestHTTPServer.Response(status: 404) : .ok("<html>video</html>")
                case "/post": return gone ? TestHTTPServer.Response(status: 410) : .ok()
                case "/busy": return TestHTTPServer.Response(status: 429, headers: [("Retry-After", "3600")])
                case "/broken": return TestHTTPServer.Response(status: 503)
                case "/slow": return TestHTTPServer.Response(status: 200, delay: 3)
                case "/head405":
                    return request.method == "HEAD" ? TestHTTPServer.Response(status: 405) : .ok("page")
                case "/big": return .ok(String(repeating: "x", count: 2_000_000))
                case "/private": return .redirect(302, to: "/accounts/login/?next=/private")
                case "/accounts/login/?next=/private": return .ok("login")
                case "/moved": return .redirect(301, to: "/video")
                default: return TestHTTPServer.Response(status: 404)
                }
            }
        }
    }

    static let client = LinkProbeClient(timeoutSeconds: 1, maxBodyBytes: 4096, userAgent: "Vigie-test")

    static func verdict(
        _ platform: FakePlatform, _ path: String, rule: PlatformCheckRule = PlatformCheckRule()
    ) -> (
        LinkVerdict, String
    ) {
        let (url, method) = rule.requestURL(for: platform.server.baseURL + path)
        let probe = method == .oembed ? client.fetch(url) : client.probe(url)
        let v = rule.verdict(probe, method: method)
        return (v.verdict, v.detail)
    }

    @Test func pagesOnlineThenRemoved() throws {
        let p = try FakePlatform()
        defer { p.server.stop() }
        #expect(Self.verdict(p, "/video").0 == .online)
        #expect(Self.verdict(p, "/post").0 == .online)
        #expect(Self.verdict(p, "/moved").0 == .online)
        #expect(Self.verdict(p, "/head405") == (.online, "HTTP 200"))  // HEAD refused: GET asked
        p.remove()
        #expect(Self.verdict(p, "/video") == (.removed, "HTTP 404"))
        #expect(Self.verdict(p, "/post") == (.removed, "HTTP 410"))
        #expect(Self.verdict(p, "/moved") == (.removed, "HTTP 404"))  // through the redirect
        // A 404 on HEAD is confirmed by a GET before it counts.
        #expect(p.server.requests.filter { $0.path == "/post" }.map(\.method) == ["HEAD", "HEAD", "GET"])
    }

    @Test func doubtfulAnswersAreUnknownNeverRemoved() throws {
        let p = try FakePlatform()
        defer { p.server.stop() }
        #expect(Self.verdict(p, "/busy") == (.unknown, "HTTP 429"))
        // Asked to slow down: no GET after the HEAD.
        #expect(p.server.requests.filter { $0.path == "/busy" }.map(\.method) == ["HEAD"])
        #expect(Self.verdict(p, "/broken") == (.unknown, "HTTP 503"))
        #expect(Self.verdict(p, "/slow") == (.unknown, "timeout"))
        let wall = PlatformCheckRule(loginWallHosts: ["127.0.0.1/accounts/login"])
        let (v, detail) = Self.verdict(p, "/private", rule: wall)
        #expect(v == .unknown && detail.hasPrefix("login wall at "), "\(detail)")
        let refused = Self.client.probe("http://127.0.0.1:9/x")
        #expect(PlatformCheckRule().verdict(refused, method: .http).verdict == .unknown)
    }

    @Test func aLargeBodyIsCutAtTheLimit() throws {
        let p = try FakePlatform()
        defer { p.server.stop() }
        let probe = Self.client.fetch(p.server.baseURL + "/big")
        #expect(probe.status == 200 && probe.failure == nil)
    }

    @Test func oembedOnlineThenRemoved() throws {
        let p = try FakePlatform()
        defer { p.server.stop() }
        let rule = PlatformCheckRule(
            method: .oembed, oembedEndpoint: p.server.baseURL + "/oembed?format=json&url={url}")
        #expect(Self.verdict(p, "/watch?v=abc", rule: rule) == (.online, "oEmbed HTTP 200"))
        p.remove()
        #expect(Self.verdict(p, "/watch?v=abc", rule: rule) == (.removed, "oEmbed HTTP 404"))
        let asked = try #require(p.server.requests.last)
        #expect(asked.method == "GET")
        let expected = "/oembed?format=json&url=http%3A%2F%2F127.0.0.1%3A\(p.server.port)%2Fwatch%3Fv%3Dabc"
        #expect(asked.path == expected)
        #expect(asked.headers["cookie"] == nil)
    }
}
