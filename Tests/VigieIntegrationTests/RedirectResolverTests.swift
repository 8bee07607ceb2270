import Foundation
import Testing
import VigieCore
import VigieMail

@Suite("Redirect resolver against a loopback HTTP server")
struct RedirectResolverTests {
    /// The scripted site every test talks to.
    static func makeServer() throws -> TestHTTPServer {
        try TestHTTPServer { request in
            let path = request.path
            switch path {
            case "/final", "/rel/c":
                return .ok()
            case "/r1":
                return .redirect(301, to: "/final")
            case "/chain3":
                return .redirect(302, to: "/chain2")
            case "/chain2":
                return .redirect(307, to: "/chain1")
            case "/chain1":
                return .redirect(301, to: "/final")
            case "/loopA":
                return .redirect(302, to: "/loopB")
            case "/loopB":
                return .redirect(302, to: "/loopA")
            case "/head405":
                return request.method == "HEAD" ? TestHTTPServer.Response(status: 405) : .redirect(302, to: "/final")
            case "/head404":
                return request.method == "HEAD" ? TestHTTPServer.Response(status: 404) : .redirect(301, to: "/final")
            case "/headHangsUp":
                // HEAD gets nothing; GET gets a large body the resolver must not read.
                return request.method == "HEAD"
                    ? TestHTTPServer.Response(status: 200, hangUp: true)
                    : .ok(String(repeating: "x", count: 2_000_000))
            case "/rel/a/b":
                return .redirect(302, to: "../c")
            case "/slow":
                return TestHTTPServer.Response(status: 200, delay: 3)
            case "/ftp":
                return .redirect(301, to: "ftp://127.0.0.1/file.txt")
            case "/javascript":
                return .redirect(302, to: "javascript:alert(1)")
            case "/notfound":
                return TestHTTPServer.Response(status: 404, body: "nope")
            case "/setcookie":
                return .redirect(302, to: "/checkcookie", headers: [("Set-Cookie", "session=abc; Path=/")])
            case "/checkcookie":
                return .ok()
            case "/nolocation":
                return TestHTTPServer.Response(status: 302)
            default:
                if path.hasPrefix("/long/"), let n = Int(path.dropFirst(6)) {
                    return n == 0 ? .ok() : .redirect(302, to: "/long/\(n - 1)")
                }
                return TestHTTPServer.Response(status: 404)
            }
        }
    }

    @Test("a single 301 is followed")
    func singleRedirect() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let result = RedirectResolver().resolve(server.baseURL + "/r1")
        #expect(result == .resolved(finalURL: server.baseURL + "/final", hops: 1))
        #expect(server.requests.map(\.method) == ["HEAD", "HEAD"])
        #expect(server.requests.first?.headers["user-agent"] == "Vigie/1.0")
    }

    @Test("a 302 → 307 → 301 chain is followed to its end")
    func chain() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let result = RedirectResolver(userAgent: "VigieTest/2").resolve(server.baseURL + "/chain3")
        #expect(result == .resolved(finalURL: server.baseURL + "/final", hops: 3))
        #expect(server.requests.map(\.path) == ["/chain3", "/chain2", "/chain1", "/final"])
        #expect(server.requests.allSatisfy { $0.headers["user-agent"] == "VigieTest/2" })
    }

    @Test("a URL that does not redirect resolves to itself")
    func noRedirect() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        #expect(
            RedirectResolver().resolve(server.baseURL + "/final")
                == .resolved(finalURL: server.baseURL + "/final", hops: 0))
        #expect(
            RedirectResolver().resolve(server.baseURL + "/notfound")
                == .resolved(finalURL: server.baseURL + "/notfound", hops: 0))
        #expect(
            RedirectResolver().resolve(server.baseURL + "/nolocation")
                == .resolved(finalURL: server.baseURL + "/nolocation", hops: 0))
    }

    @Test("a redirect loop fails")
    func loop() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let result = RedirectResolver(maxHops: 10).resolve(server.baseURL + "/loopA")
        guard case .failed(let reason) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(reason.contains("loop"))
        #expect(server.requests.count == 2)
    }

    @Test("HEAD refused with 405, then GET gives the redirect")
    func headRefused() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let result = RedirectResolver().resolve(server.baseURL + "/head405")
        #expect(result == .resolved(finalURL: server.baseURL + "/final", hops: 1))
        let seen = server.requests.map { "\($0.method) \($0.path)" }
        #expect(seen == ["HEAD /head405", "GET /head405", "HEAD /final"])
    }

    @Test("HEAD answered 404, then GET gives the redirect")
    func headNotFound() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let result = RedirectResolver().resolve(server.baseURL + "/head404")
        #expect(result == .resolved(finalURL: server.baseURL + "/final", hops: 1))
    }

    @Test("HEAD failing falls back to GET, which stops before the body")
    func headFails() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let clock = ContinuousClock()
        var result: RedirectResult?
        let elapsed = clock.measure { result = RedirectResolver().resolve(server.baseURL + "/headHangsUp") }
        #expect(result == .resolved(finalURL: server.baseURL + "/headHangsUp", hops: 0))
        #expect(server.requests.map(\.method) == ["HEAD", "GET"])
        #expect(elapsed < .seconds(3))
    }

    @Test("a relative Location is resolved against the current URL")
    func relativeLocation() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let result = RedirectResolver().resolve(server.baseURL + "/rel/a/b")
        #expect(result == .resolved(finalURL: server.baseURL + "/rel/c", hops: 1))
    }

    @Test("a slow server exceeds the timeout")
    func slowServer() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let clock = ContinuousClock()
        var result: RedirectResult?
        let elapsed = clock.measure { result = RedirectResolver(timeoutSeconds: 1).resolve(server.baseURL + "/slow") }
        guard case .failed(let reason) = result else {
            Issue.record("expected a failure, got \(String(describing: result))")
            return
        }
        #expect(reason.lowercased().contains("timeout") || reason.lowercased().contains("timed out"))
        #expect(elapsed < .milliseconds(2500))
        // A timeout is not retried with GET.
        #expect(server.requests.map(\.method) == ["HEAD"])
    }

    @Test("redirects to other schemes are refused", arguments: ["/ftp", "/javascript"])
    func otherScheme(_ path: String) throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let result = RedirectResolver().resolve(server.baseURL + path)
        guard case .failed(let reason) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(reason.contains("non-http(s)"))
    }

    @Test("at most maxHops redirects are followed")
    func maxHops() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let resolver = RedirectResolver(maxHops: 5)
        #expect(
            resolver.resolve(server.baseURL + "/long/5") == .resolved(finalURL: server.baseURL + "/long/0", hops: 5))
        let tooLong = resolver.resolve(server.baseURL + "/long/6")
        guard case .failed(let reason) = tooLong else {
            Issue.record("expected a failure, got \(tooLong)")
            return
        }
        #expect(reason.contains("more than 5 redirects"))
    }

    @Test("cookies set by a hop are not sent back")
    func noCookies() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let result = RedirectResolver().resolve(server.baseURL + "/setcookie")
        #expect(result == .resolved(finalURL: server.baseURL + "/checkcookie", hops: 1))
        let check = try #require(server.requests.last)
        #expect(check.path == "/checkcookie")
        #expect(check.headers["cookie"] == nil)
    }

    @Test("unreachable servers and non-http(s) input fail")
    func failures() throws {
        let server = try Self.makeServer()
        let deadPort = server.port
        server.stop()
        for url in ["http://127.0.0.1:\(deadPort)/x", "ftp://127.0.0.1/file", "not a url"] {
            let result = RedirectResolver(timeoutSeconds: 2).resolve(url)
            guard case .failed = result else {
                Issue.record("expected a failure for \(url), got \(result)")
                continue
            }
        }
    }

    @Test("a short link on one server resolves to a page on another, then identifies as that page")
    func resolveThenIdentify() throws {
        let target = try Self.makeServer()
        defer { target.stop() }
        let targetURL = target.baseURL + "/final?utm_source=shortener&id=7"
        let shortener = try TestHTTPServer { _ in .redirect(301, to: targetURL) }
        defer { shortener.stop() }
        let result = RedirectResolver().resolve(shortener.baseURL + "/3AbCdEf")
        #expect(result == .resolved(finalURL: targetURL, hops: 1))
        guard case .resolved(let finalURL, _) = result else { return }
        #expect(ContentIdentifier.identify(finalURL)?.key == "web:127.0.0.1:\(target.port)/final?id=7")
    }
}
