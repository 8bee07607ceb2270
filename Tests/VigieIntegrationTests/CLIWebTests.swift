import Foundation
import Testing

/// `serve` with `[http] listen`: the serve fixture plus an HTTP port on loopback and the matching public URL.
struct WebFixture {
    let serve: ServeFixture
    let port: Int
    var http: HTTPProbe { HTTPProbe(port: port) }
    var publicURL: String { "http://127.0.0.1:\(port)" }

    init(extraHTTPKeys: String = "") throws {
        serve = try ServeFixture()
        port = HTTPProbe.freePort()
        try setHTTP(
            """
            listen = "127.0.0.1:\(port)"
            public_url = "http://127.0.0.1:\(port)"
            \(extraHTTPKeys)
            """)
    }

    /// Replaces the `[http]` section of vigie.toml with `keys`.
    func setHTTP(_ keys: String) throws {
        var text = try String(contentsOfFile: serve.config, encoding: .utf8)
        if let r = text.range(of: "\n[http]") {
            let after = text[r.upperBound...]
            let end = after.range(of: "\n[")?.lowerBound ?? text.endIndex
            text.replaceSubrange(r.lowerBound..<end, with: "")
        }
        text += "\n[http]\n\(keys)\n"
        try text.write(toFile: serve.config, atomically: true, encoding: .utf8)
    }

    /// serve in the background, returned once it listens.
    func start() throws -> BackgroundVigie {
        let s = try serve.serve()
        guard eventually(timeout: 60, every: 0.02, { s.stderrSoFar.contains("http: listening on ") }) else {
            _ = s.terminate()
            throw HTTPProbe.Failure(description: "serve did not listen: \(s.stderrSoFar)")
        }
        return s
    }
}

/// The HTTP server inside `serve`: pages, errors, start and stop.
@Suite(.serialized) struct CLIWebTests {
    /// An unknown route is a French 404 page with the institution's name, hardened headers and no stack trace; serve
    /// stops with 0 on SIGTERM and the port is free again.
    @Test func unknownRouteIsAFrenchPageAndServeStopsCleanly() throws {
        try LocalServers.requireIMAP()
        let f = try WebFixture()
        let s = try f.start()
        let r = try f.http.get("/nulle-part?x=<script>")
        #expect(r.status == 404)
        #expect(r.header("Content-Type") == "text/html; charset=utf-8")
        #expect(r.body.contains("<html lang=\"fr\">"))
        #expect(r.body.contains("Page introuvable"))
        #expect(r.body.contains("Institution — pôle numérique"), "the organisation's name from vigie.toml")
        #expect(!r.body.contains("<script>"))
        #expect(r.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
        #expect(r.header("X-Content-Type-Options") == "nosniff")
        let post = try f.http.request("POST", "/nulle-part", body: Data("a=b".utf8))
        #expect(post.status == 404)
        let end = s.terminate()
        #expect(end.status == 0, "\(end.stderr)")
        #expect(throws: HTTPProbe.Failure.self) { try f.http.get("/") }
    }

    /// A port already taken: serve exits non-zero with one line naming the address and the key to change.
    @Test func aBusyPortIsOneLineAndANonZeroExit() throws {
        try LocalServers.requireIMAP()
        let f = try WebFixture()
        let first = try f.start()
        defer { _ = first.terminate() }
        // A second configuration (its own database) asking for the same port.
        let g = try WebFixture()
        try g.setHTTP("listen = \"127.0.0.1:\(f.port)\"")
        let r = try VigieCLI.run(["serve"], config: g.serve.config, environment: g.serve.newsletter.environment)
        #expect(r.status != 0)
        let lines = r.stderr.split(separator: "\n").filter { $0.contains("error") || !$0.contains(" info ") }
        #expect(
            r.stderr.contains("http: cannot listen on 127.0.0.1:\(f.port): the address is already in use"),
            "\(r.stderr)")
        #expect(!lines.isEmpty)
    }

    /// A newsletter whose confirmation template is gone stops serve at start with one line naming the file, instead
    /// of serving without its one-click unsubscribe.
    @Test func aMissingPageTemplateStopsServeAtStart() throws {
        let f = try WebFixture()
        let template = f.serve.dir + "/templates/confirmation.html.mustache"
        try FileManager.default.removeItem(atPath: template)
        let r = try VigieCLI.run(["serve"], config: f.serve.config, environment: f.serve.newsletter.environment)
        #expect(r.status != 0)
        #expect(r.stderr.contains("confirmation.html.mustache cannot be read"), "\(r.stderr)")
        #expect(!r.stderr.contains("serving: "), "jobs started before the check: \(r.stderr)")
    }

    /// A malformed `[http] listen` or trusted proxy is refused at load with one line.
    @Test(arguments: [
        ("listen = \"8080\"", "[http] listen must be HOST:PORT"),
        ("listen = \"127.0.0.1:99999\"", "[http] listen must be HOST:PORT"),
        ("listen = \"127.0.0.1:80\"\ntrusted_proxies = [\"10.0.0.0/33\"]", "is not an address or a CIDR block"),
    ])
    func badHTTPKeysAreRefusedAtLoad(keys: String, message: String) throws {
        let f = try WebFixture()
        try f.setHTTP(keys)
        let r = try f.serve.run(["config", "check"])
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }
}
