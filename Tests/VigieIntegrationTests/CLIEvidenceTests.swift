import Foundation
import Testing
import VigieCore

@testable import VigieStore

/// Evidence end to end against a real HTTP server on loopback: each reported URL fetched once (redirects followed,
/// no cookie sent back, the body cut at the limit), then `clusters evidence --out` and its manifest's hashes.
@Suite struct CLIEvidenceTests {
    static func sha256(_ path: String) throws -> String {
        let out = try LocalServers.run(executable: "/usr/bin/sha256sum", [path])
        return String(out.prefix(64))
    }

    @Test func eachURLIsFetchedOnceAndTheManifestHashesHold() throws {
        let page = "<html><body>" + String(repeating: "propos haineux ", count: 400) + "</body></html>"
        let server = try TestHTTPServer { request in
            switch request.path {
            case "/moved":
                return .redirect(301, to: "/post", headers: [("Set-Cookie", "session=abc123; Path=/")])
            case "/post":
                return TestHTTPServer.Response(
                    status: 200, headers: [("Content-Type", "text/html; charset=utf-8"), ("X-Served-By", "test")],
                    body: page)
            default:
                return TestHTTPServer.Response(status: 404, body: "not found")
            }
        }
        defer { server.stop() }
        let config = try VigieCLI.initConfig(user: "nobody")
        let dir = (config as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let toml = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(
            of: "platforms = \"platforms.toml\"",
            with: "platforms = \"platforms.toml\"\nevidence_max_bytes = 1000\nevidence_private_addresses = true")
        try toml.write(toFile: config, atomically: true, encoding: .utf8)
        let store = try Store(path: dir + "/var/vigie.sqlite")
        let moved = server.baseURL + "/moved"
        let gone = server.baseURL + "/gone"
        _ = try storeReports(
            store, [("alice.martin@citizens.example", moved), ("bruno@citizens.example", moved), ("c@x.fr", gone)])
        #expect(try VigieCLI.run(["clusters", "rebuild"], config: config).status == 0)

        let first = try VigieCLI.run(["clusters", "evidence-fetch"], config: config)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("kept 2 pages"), "\(first.stdout)")
        let again = try VigieCLI.run(["clusters", "evidence-fetch"], config: config)
        #expect(again.stdout.contains("kept 0 pages"), "\(again.stdout)")
        // Two reports of /moved, one fetch; the cookie set on the redirect never went back.
        #expect(server.requests.filter { $0.path == "/moved" }.count == 1)
        let post = try #require(server.requests.first { $0.path == "/post" })
        #expect(post.headers["cookie"] == nil)

        let cluster = try #require(try store.clusters().first { $0.canonicalURL.contains("/moved") }).id
        let kept = try #require(try store.evidence(clusterID: cluster).first)
        #expect(kept.snapshot.status == 200)
        #expect(kept.snapshot.finalURL == server.baseURL + "/post")
        #expect(kept.snapshot.truncated)
        #expect(kept.snapshot.body.count == 1000)
        #expect(kept.snapshot.headers.contains("301") && kept.snapshot.headers.contains("X-Served-By: test"))

        let out = dir + "/evidence"
        let export = try VigieCLI.run(["clusters", "evidence", String(cluster), "--out", out], config: config)
        #expect(export.status == 0, "\(export.stderr)")
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json")))
                as? [String: Any])
        let files = try #require(manifest["files"] as? [[String: Any]])
        let paths = files.compactMap { $0["path"] as? String }
        #expect(paths.contains("cluster.txt") && paths.contains("audit.txt"))
        #expect(paths.contains("snapshots/01-body.html") && paths.contains("snapshots/01-headers.txt"))
        #expect(paths.filter { $0.hasPrefix("reports/") && $0.hasSuffix(".txt") }.count == 2)
        // Every hash recomputed from the files on disk, and the body's equals the one kept at fetch time.
        for f in files {
            let path = try #require(f["path"] as? String)
            #expect(try Self.sha256(out + "/" + path) == f["sha256"] as? String, "\(path)")
        }
        #expect(try Self.sha256(out + "/snapshots/01-body.html") == kept.sha256)
        let text = try String(contentsOfFile: out + "/manifest.txt", encoding: .utf8)
        #expect(text.contains(kept.sha256 + "  1000  snapshots/01-body.html"))
        // Reporters masked unless asked for.
        for p in paths where p.hasPrefix("reports/") {
            let report = try String(contentsOfFile: out + "/" + p, encoding: .utf8)
            #expect(!report.contains("alice.martin@") && !report.contains("bruno@"), "\(p)")
        }
        let refused = try VigieCLI.run(["clusters", "evidence", String(cluster), "--out", out], config: config)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("is not empty"))

        let full = dir + "/evidence-full"
        let withReporters = try VigieCLI.run(
            ["clusters", "evidence", String(cluster), "--out", full, "--with-reporters"], config: config)
        #expect(withReporters.status == 0, "\(withReporters.stderr)")
        let emls = try FileManager.default.contentsOfDirectory(atPath: full + "/reports")
        #expect(emls.count == 2 && emls.allSatisfy { $0.hasSuffix(".eml") })
    }
}
