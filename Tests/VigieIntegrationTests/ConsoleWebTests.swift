import Foundation
import Testing
import VigieCore
import VigieMail
import VigieStore

/// A browser of the console for tests: keeps cookies, reads the CSRF token of the last page.
struct ConsoleBrowser {
    let http: HTTPProbe
    var cookies: [String: String] = [:]
    var lastBody = ""

    init(http: HTTPProbe) { self.http = http }

    var cookieHeader: [(String, String)] {
        cookies.isEmpty ? [] : [("Cookie", cookies.map { "\($0)=\($1)" }.sorted().joined(separator: "; "))]
    }

    mutating func keep(_ r: HTTPProbe.Response) {
        for (k, v) in r.headers where k.caseInsensitiveCompare("Set-Cookie") == .orderedSame {
            let pair = v.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || v.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        lastBody = r.body
    }

    mutating func get(_ path: String) throws -> HTTPProbe.Response {
        let r = try http.get(path, headers: cookieHeader)
        keep(r)
        return r
    }

    /// POSTs a form with the CSRF token of the last page read (unless `csrf` says otherwise).
    mutating func post(_ path: String, _ fields: [(String, String)], csrf: String? = nil) throws -> HTTPProbe.Response {
        let token = csrf ?? Self.csrf(in: lastBody) ?? ""
        let r = try http.postForm(path, token.isEmpty ? fields : [("csrf", token)] + fields, headers: cookieHeader)
        keep(r)
        return r
    }

    static func csrf(in body: String) -> String? {
        guard let r = body.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(body[r.upperBound...].prefix { $0 != "\"" })
    }

    /// Signs in; returns the response to the POST (303 on success).
    mutating func signIn(_ name: String, _ password: String) throws -> HTTPProbe.Response {
        _ = try get("/console/login")
        return try post("/console/login", [("name", name), ("password", password), ("next", "")])
    }
}

/// A citizen's report with a screenshot attached (a small PNG), stored and parsed as intake would.
func storeReportWithScreenshot(_ store: Store, from: String, url: String) throws -> Int64 {
    let png = [
        "iVBORw0KGgoAAAANSUhEUgAAAKAAAABkCAIAAACO1KzYAAADd0lEQVR42u3ceWsIAACGcZ/EJraY",
        "bGuIPTkyy5GjIawhR2wxOXLE5AgLb44cOZrJkRGWI0dMjhy9JkdYTI7YPohvsT/0fobfv09Pv/64",
        "ABfiAXggHoSLcDEejIfgEjwUD8OluAyX4wo8HI/AI/EoNBpVItAYNBaNQ+PRBFSFJqJqNAlNRlPQ",
        "VDQNTUcz0ExUg2fh2XgOnovn4fm4FtfhBXghXoQX4yV4KV6Gl+MVuB434JVoFWpEq9EatBatQ+vR",
        "BrQRbUKb0Ra0FTWhbWg72oF2ol1oN96D9+JmvA/vxwew8EF8CB/GR/BRfAwfxyfwSXwKn8ZncAs6",
        "i1rROXQeXUAX0SV0GbWhK+gquoauoxuoHd1Et9BtdAfdxffwffwAP8SPcAd+jJ/gp/gZfo5f4Jf4",
        "FX6Njd/gTvwWv0Pv0Qf0EX1Cn9EX1IW+om+oG31HP9BP9Av9Rn/QX9SDelG/AAc4wAEOcIADHOAA",
        "BzjAAQ5wgAMc4AAHOMABDnCAAxzgAAc4wAEOcIADHOAABzjAfQysAlSIBqCBaBAqQsVoMBqCStBQ",
        "NAyVojJUjirQcDQCjUSj8GhcicFj8Fg8Do/HE3AVnoir8SQ8GU/BU/E0PB3PwDNxDZqFZqM5aC6a",
        "h+ajWlSHFqCFaBFajJagpWgZWo5WoHrUgFbiVbgRr8Zr8Fq8Dq/HG/BGvAlvxlvwVtyEt+HteAfe",
        "iXfh3WgP2oua0T60Hx1AQgfRIXQYHUFH0TF0HJ1AJ9EpdBqdQS34LG7F5/B5fAFfxJfwZdyGr+Cr",
        "+Bq+jm/gdnwT38K38R18F91D99ED9BA9Qh3oMXqCnqJn6Dl6gV6iV+g1MnqDOtFb9A6/xx/wR/wJ",
        "f8ZfcBf+ir/hbvwd/8A/8S/8G//Bf3EP7sUBDnCAAxzgAAc4wAEOcIADHOAABzjAAQ5wgAMc4AAH",
        "OMABDnCAAxzgAAc4wAEOcID7GjjRXarKAAc4wAEOcIADHOAABzjAAQ5wgAMc4AAHOMABDnCAAxzg",
        "AAc4wAEOcIADHOAABzjA+WQluktVGeAABzjAAQ5wgAMc4AAHOMABDnCAAxzgAAc4wAEOcIADHOAA",
        "BzjAAQ5wgAMc4ADnk5XoLlVlgAMc4AAHOMABDnCAAxzgAAc4wAEOcIADHOAABzjAAQ5wgAMc4AAH",
        "OMABDnCAA/wfA/8D3DjvC4F0TM0AAAAASUVORK5CYII=",
    ].joined()
    let raw = Array(
        """
        Message-ID: <\(UUID().uuidString)@x>\r
        From: \(from)\r
        Subject: Capture\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary="b1"\r
        \r
        --b1\r
        Content-Type: text/plain; charset=utf-8\r
        \r
        Voici la capture du message haineux : \(url)\r
        --b1\r
        Content-Type: image/png; name="capture.png"\r
        Content-Disposition: attachment; filename="capture.png"\r
        Content-Transfer-Encoding: base64\r
        \r
        \(png)\r
        --b1--\r

        """.utf8)
    let out = try store.commit(
        batch: [
            IncomingMessage(
                uid: 1, raw: raw, size: raw.count, truncated: false, sha256: UUID().uuidString, messageID: nil)
        ], queue: "reports", mailbox: "shots", uidValidity: 1, lastUID: 1)
    guard case .inserted(let id) = out[0] else { throw HTTPProbe.Failure(description: "screenshot report not stored") }
    _ = try store.claimForParsing(limit: 10)
    let parsed = try MessageParser.parse(raw)
    try store.saveParsed([
        ParseOutcome(messageID: id, status: .parsed, parsed: parsed, urls: [url], automaticReason: nil, error: nil)
    ])
    return id
}

/// A serve with the console, a seeded cluster, a moderator and an admin.
struct ConsoleFixture {
    let web: WebFixture
    let clusterID: Int64
    /// A report of the top cluster with a PNG attached.
    let screenshotReport: Int64
    static let password = "correct horse battery"

    init() throws {
        web = try WebFixture()
        let store = try web.serve.store()
        _ = try storeReports(
            store,
            [
                ("a@x.fr", "https://x.com/troll/status/1790000000000000001?s=20"),
                ("b@x.fr", "https://twitter.com/troll/status/1790000000000000001"),
                ("c@x.fr", "https://x.com/troll/status/1790000000000000001"),
                ("d@x.fr", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
            ])
        screenshotReport = try storeReportWithScreenshot(
            store, from: "e@x.fr", url: "https://x.com/troll/status/1790000000000000001")
        let rebuild = try web.serve.run(["clusters", "rebuild"])
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        clusterID = try #require(try store.clusters().first?.id)
        for (name, role) in [("alice", "moderator"), ("root", "admin")] {
            let r = try VigieCLI.run(
                ["users", "add", name, "--role", role], config: web.serve.config, stdin: Self.password + "\n")
            #expect(r.status == 0, "\(r.stderr)")
        }
    }

    func browser() -> ConsoleBrowser { ConsoleBrowser(http: web.http) }
}

/// The moderators' console over HTTP against a running `serve`.
@Suite(.serialized) struct ConsoleWebTests {
    /// No session: every console page redirects to the sign-in page, which comes back to the page asked for.
    @Test func withoutASessionPagesRedirectToSignIn() throws {
        try LocalServers.requireIMAP()
        let f = try ConsoleFixture()
        let s = try f.web.start()
        defer { _ = s.terminate() }
        for path in ["/console/clusters", "/console/clusters/\(f.clusterID)", "/console/reports", "/console/users"] {
            let r = try f.web.http.get(path)
            #expect(r.status == 303, "\(path)")
            #expect(r.header("Location")?.hasPrefix("/console/login?next=") == true, "\(path)")
        }
        let post = try f.web.http.postForm("/console/clusters/\(f.clusterID)/qualify", [("offence", "injure")])
        #expect(post.status == 303)
        var b = f.browser()
        let login = try b.get("/console/login?next=/console/clusters/\(f.clusterID)")
        #expect(login.status == 200)
        #expect(login.body.contains("<label for=\"password\">"))
        let cookie = try #require(login.headers.first { $0.0 == "Set-Cookie" }?.1)
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/console"))
        #expect(!cookie.contains("Secure"), "plain http on loopback: no Secure flag")
        let r = try b.post(
            "/console/login",
            [("name", "alice"), ("password", ConsoleFixture.password), ("next", "/console/clusters/\(f.clusterID)")])
        #expect(r.status == 303)
        #expect(r.header("Location") == "/console/clusters/\(f.clusterID)")
        #expect(b.cookies["vigie_session"] != nil)
        let page = try b.get("/console/clusters/\(f.clusterID)")
        #expect(page.status == 200)
        #expect(page.body.contains("alice (modérateur)"))
    }

    /// A wrong password and an unknown account get the same answer; repeated failures are throttled (429) even with
    /// the right password, then the account's sessions are unaffected.
    @Test func wrongPasswordUnknownUserAndThrottling() throws {
        try LocalServers.requireIMAP()
        let f = try ConsoleFixture()
        let s = try f.web.start()
        defer { _ = s.terminate() }
        var b = f.browser()
        let wrong = try b.signIn("alice", "not the password")
        var c = f.browser()
        let unknown = try c.signIn("mallory", "not the password")
        #expect(wrong.status == 401)
        #expect(unknown.status == 401)
        #expect(wrong.body.contains("Nom d’utilisateur ou mot de passe incorrect."))
        func message(_ body: String) -> String? {
            body.range(of: "role=\"alert\"").map { String(body[$0.upperBound...].prefix(120)) }
        }
        #expect(message(wrong.body) == message(unknown.body))
        #expect(b.cookies["vigie_session"] == nil)
        // Four more failures for alice (five in all) lock her name for the window, whatever the password.
        for _ in 0..<4 { _ = try b.signIn("alice", "still wrong") }
        let locked = try b.signIn("alice", ConsoleFixture.password)
        #expect(locked.status == 429)
        #expect(b.cookies["vigie_session"] == nil)
        // Another account from the same client is not locked by alice's failures.
        var d = f.browser()
        #expect(try d.signIn("root", ConsoleFixture.password).status == 303)
    }

    /// A form without the session's CSRF token is refused with 403, and nothing changes.
    @Test func aFormWithoutCSRFIsRefused() throws {
        try LocalServers.requireIMAP()
        let f = try ConsoleFixture()
        let s = try f.web.start()
        defer { _ = s.terminate() }
        var b = f.browser()
        #expect(try b.signIn("alice", ConsoleFixture.password).status == 303)
        let missing = try b.http.postForm(
            "/console/clusters/\(f.clusterID)/qualify", [("offence", "injure-publique")], headers: b.cookieHeader)
        #expect(missing.status == 403)
        let forged = try b.post(
            "/console/clusters/\(f.clusterID)/qualify", [("offence", "injure-publique")], csrf: "forged")
        #expect(forged.status == 403)
        // The login form has its own token: a cross-site POST to /console/login is refused too.
        let login = try f.web.http.postForm("/console/login", [("name", "alice"), ("password", "x")])
        #expect(login.status == 403)
        let show = try f.web.serve.run(["clusters", "show", String(f.clusterID), "--json"])
        #expect(
            show.stdout.contains("\"status\" : \"new\"") || show.stdout.contains("\"status\":\"new\""), "\(show.stdout)"
        )
    }

    /// A moderator qualifies, reads the notice and marks the cluster notified then removed; the audit trail (page and
    /// `clusters show`) names them; a refused change is a French message, not a 500.
    @Test func aModeratorQualifiesAndMarksAndTheTrailNamesThem() throws {
        try LocalServers.requireIMAP()
        let f = try ConsoleFixture()
        let s = try f.web.start()
        defer { _ = s.terminate() }
        var b = f.browser()
        #expect(try b.signIn("alice", ConsoleFixture.password).status == 303)
        let id = f.clusterID
        let list = try b.get("/console/clusters")
        #expect(list.status == 200)
        #expect(list.body.contains("/console/clusters/\(id)"))
        _ = try b.get("/console/clusters/\(id)")
        let noReason = try b.post("/console/clusters/\(id)/qualify", [("offence", ""), ("note", "")])
        #expect(noReason.status == 422)
        #expect(noReason.body.contains("Choisissez une infraction"))
        let q = try b.post(
            "/console/clusters/\(id)/qualify",
            [("offence", "provocation-haine-raciale"), ("note", "Appel à la violence.")])
        #expect(q.status == 303, "\(q.body)")
        let notice = try b.get("/console/clusters/\(id)/notice")
        #expect(notice.status == 200)
        #expect(notice.body.contains("Loi du 29 juillet 1881"))
        let txt = try b.get("/console/clusters/\(id)/notice.txt")
        #expect(txt.header("Content-Disposition")?.contains("attachment") == true)
        #expect(txt.body.contains("https://x.com/troll/status/1790000000000000001?s=20"))
        _ = try b.get("/console/clusters/\(id)")
        let n = try b.post(
            "/console/clusters/\(id)/notified", [("channel", "formulaire"), ("reference", "X-REF-42"), ("note", "")])
        #expect(n.status == 303)
        _ = try b.get("/console/clusters/\(id)")
        #expect(try b.post("/console/clusters/\(id)/removed", [("note", "Retiré.")]).status == 303)
        let page = try b.get("/console/clusters/\(id)")
        #expect(page.body.contains("alice : nouveau → qualifié"))
        #expect(page.body.contains("alice : qualifié → notifié"))
        #expect(page.body.contains("X-REF-42"))
        #expect(page.body.contains("alice : notifié → retiré"))
        let show = try f.web.serve.run(["clusters", "show", String(id), "--json"])
        #expect(show.stdout.contains("\"author\" : \"alice\"") || show.stdout.contains("\"author\":\"alice\""))
        let after = try b.post("/console/clusters/\(id)/rejected", [("reason", "trop tard")])
        #expect(after.status == 422)
    }

    /// A moderator never sees reporters' addresses (page, reports, raw message); an admin asks to, sees them, and
    /// the viewing is recorded in the cluster's trail with their name.
    @Test func reportersAddressesAreForAdminsAndViewingIsRecorded() throws {
        try LocalServers.requireIMAP()
        let f = try ConsoleFixture()
        let s = try f.web.start()
        defer { _ = s.terminate() }
        let id = f.clusterID
        var m = f.browser()
        #expect(try m.signIn("alice", ConsoleFixture.password).status == 303)
        let page = try m.get("/console/clusters/\(id)")
        #expect(!page.body.contains("a@x.fr"))
        #expect(!page.body.contains("/reporters\""), "no button for moderators")
        #expect(try m.post("/console/clusters/\(id)/reporters", []).status == 403)
        let reports = try m.get("/console/reports")
        #expect(!reports.body.contains("@x.fr"))
        let reportID = try #require(
            reports.body.range(of: "/console/reports/").map { reports.body[$0.upperBound...].prefix { $0.isNumber } })
        #expect(try m.get("/console/reports/\(reportID)").body.contains("@x.fr") == false)
        #expect(try m.get("/console/reports/\(reportID)/raw.eml").status == 403)

        var a = f.browser()
        #expect(try a.signIn("root", ConsoleFixture.password).status == 303)
        let before = try a.get("/console/clusters/\(id)")
        #expect(!before.body.contains("a@x.fr"), "shown on demand only")
        let shown = try a.post("/console/clusters/\(id)/reporters", [])
        #expect(shown.status == 200)
        #expect(shown.body.contains("a@x.fr") && shown.body.contains("c@x.fr"))
        #expect(shown.body.contains("root : adresses des signalants consultées"))
        // The moderator sees the record of it, not the addresses.
        let later = try m.get("/console/clusters/\(id)")
        #expect(later.body.contains("root : adresses des signalants consultées"))
        #expect(!later.body.contains("a@x.fr"))
        let raw = try a.get("/console/reports/\(reportID)/raw.eml")
        #expect(raw.status == 200)
        #expect(raw.header("Content-Type") == "message/rfc822")
        #expect(raw.body.contains("Message-ID:"))
    }

    /// Disabling an account (CLI or admin page) ends its sessions at once; `users list` shows it.
    @Test func aDisabledUsersSessionStopsWorking() throws {
        try LocalServers.requireIMAP()
        let f = try ConsoleFixture()
        let s = try f.web.start()
        defer { _ = s.terminate() }
        var m = f.browser()
        #expect(try m.signIn("alice", ConsoleFixture.password).status == 303)
        #expect(try m.get("/console/clusters").status == 200)
        let off = try f.web.serve.run(["users", "disable", "alice"])
        #expect(off.status == 0, "\(off.stderr)")
        let after = try m.get("/console/clusters")
        #expect(after.status == 303)
        #expect(try m.signIn("alice", ConsoleFixture.password).status == 401)
        let list = try f.web.serve.run(["users", "list"])
        #expect(list.stdout.contains("alice\tmoderator\tdisabled"))
        #expect(!list.stdout.contains("$2"), "no hash printed")
        // An admin re-enables her from the page; a moderator cannot open that page.
        var a = f.browser()
        #expect(try a.signIn("root", ConsoleFixture.password).status == 303)
        _ = try a.get("/console/users")
        #expect(try a.post("/console/users", [("action", "enable"), ("name", "alice")]).status == 200)
        #expect(try m.signIn("alice", ConsoleFixture.password).status == 303)
        #expect(try m.get("/console/users").status == 403)
        // Logout ends the session server-side: the old cookie no longer opens anything.
        let old = m.cookies
        _ = try m.get("/console/clusters")
        #expect(try m.post("/console/logout", []).status == 303)
        m.cookies = old
        #expect(try m.get("/console/clusters").status == 303)
    }

    /// A moderator splits a wrongly grouped URL out and merges two clusters from the cluster pages; both trails name
    /// her, the absorbed cluster's page leads to the other and offers no action, refusals say why in French; the CLI
    /// lists the corrections.
    @Test func aModeratorSplitsAndMergesClusters() throws {
        try LocalServers.requireIMAP()
        let f = try ConsoleFixture()
        let s = try f.web.start()
        defer { _ = s.terminate() }
        var b = f.browser()
        #expect(try b.signIn("alice", ConsoleFixture.password).status == 303)
        let id = f.clusterID
        let page = try b.get("/console/clusters/\(id)")
        #expect(page.body.contains("/console/clusters/\(id)/split"))
        #expect(page.body.contains("/console/clusters/\(id)/merge"))
        let noCSRF = try b.post(
            "/console/clusters/\(id)/split", [("url", "https://twitter.com/troll/status/1790000000000000001")],
            csrf: "")
        #expect(noCSRF.status == 403)
        _ = try b.get("/console/clusters/\(id)")
        let split = try b.post(
            "/console/clusters/\(id)/split",
            [("url", "https://twitter.com/troll/status/1790000000000000001"), ("note", "")])
        #expect(split.status == 303, "\(split.body)")
        let location = try #require(split.header("Location"))
        let new = try #require(Int64(location.split(separator: "/").last?.split(separator: "#").first ?? ""))
        let newPage = try b.get("/console/clusters/\(new)")
        #expect(newPage.body.contains("Séparé du"))
        #expect(newPage.body.contains("alice : séparé du contenu n° \(id)"))
        #expect(newPage.body.contains("https://twitter.com/troll/status/1790000000000000001"))

        // Merge the split cluster back in; then it is only history.
        _ = try b.get("/console/clusters/\(new)")
        let bad = try b.post("/console/clusters/\(new)/merge", [("into", "\(new)")])
        #expect(bad.status == 422)
        #expect(bad.body.contains("ne peut pas être fusionné avec lui-même"))
        let none = try b.post("/console/clusters/\(new)/merge", [("into", "")])
        #expect(none.status == 422)
        #expect(none.body.contains("Indiquez le numéro"))
        let merged = try b.post("/console/clusters/\(new)/merge", [("into", "n° \(id)"), ("note", "même tweet")])
        #expect(merged.status == 303, "\(merged.body)")
        let target = try b.get("/console/clusters/\(id)")
        #expect(target.body.contains("alice : contenu n° \(new) fusionné dans celui-ci — même tweet"))
        #expect(target.body.contains("Contenus fusionnés dans celui-ci"))
        let absorbed = try b.get("/console/clusters/\(new)")
        #expect(absorbed.body.contains("a été fusionné dans le"))
        #expect(!absorbed.body.contains("/console/clusters/\(new)/qualify"), "no action on an absorbed cluster")
        let again = try b.post("/console/clusters/\(new)/merge", [("into", "\(id)")])
        #expect(again.status == 422)

        let list = try f.web.serve.run(["clusters", "overrides", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("\"kind\" : \"split\"") && list.stdout.contains("\"kind\" : \"merge\""))
        let cli = try f.web.serve.run(["clusters", "merge", String(id), String(id)])
        #expect(cli.status == 1)
        #expect(cli.stderr == "vigie: cluster \(id): a cluster cannot be merged into itself\n")
        let show = try f.web.serve.run(["clusters", "show", String(new)])
        #expect(show.stdout.contains("Merged into cluster \(id)"))
    }

    /// `users add` refuses a short password, a taken name and an unknown role with one line; `--generate` prints a
    /// password that works.
    @Test func usersCommandChecksItsInput() throws {
        let config = try VigieCLI.initConfig(user: "nobody")
        let short = try VigieCLI.run(["users", "add", "bob"], config: config, stdin: "short\n")
        #expect(short.status != 0)
        #expect(short.stderr.contains("too short"))
        let role = try VigieCLI.run(["users", "add", "bob", "--role", "chef"], config: config, stdin: "x\n")
        #expect(role.stderr.contains("unknown role \"chef\""))
        let gen = try VigieCLI.run(["users", "add", "bob", "--generate"], config: config)
        #expect(gen.status == 0, "\(gen.stderr)")
        #expect(gen.stdout.contains("password: "))
        let again = try VigieCLI.run(["users", "add", "BOB", "--generate"], config: config)
        #expect(again.status != 0)
        #expect(again.stderr.contains("account BOB already exists"))
        let pw = try VigieCLI.run(["users", "passwd", "nobody-here"], config: config, stdin: "long enough password\n")
        #expect(pw.stderr.contains("no account named \"nobody-here\""))
    }

    /// Headless Chromium over the DevTools protocol (deploy/local/console-browser.py): sign in, open the top cluster,
    /// qualify it, read the notice; screenshots at 390 and 1280 px in $VIGIE_SCREENSHOTS (or a temporary folder).
    @Test func aBrowserSignsInQualifiesTheTopClusterAndReadsItsNotice() throws {
        try LocalServers.requireIMAP()
        let f = try ConsoleFixture()
        let s = try f.web.start()
        defer { _ = s.terminate() }
        let dir =
            ProcessInfo.processInfo.environment["VIGIE_SCREENSHOTS"]
            ?? NSTemporaryDirectory() + "vigie-console-\(UUID().uuidString)"
        let script = LocalServers.repoRoot.appendingPathComponent("deploy/local/console-browser.py").path
        let out = try LocalServers.run(
            executable: "/usr/bin/python3", [script, f.web.publicURL, "alice", ConsoleFixture.password, dir])
        #expect(out.contains("signed in, qualified \(f.clusterID)"), "\(out)")
        for name in ["login", "clusters", "cluster", "cluster-qualified", "notice"] {
            for width in [390, 1280] {
                #expect(FileManager.default.fileExists(atPath: "\(dir)/\(name)-\(width).png"), "\(name)-\(width)")
            }
        }
        let show = try f.web.serve.run(["clusters", "show", String(f.clusterID), "--json"])
        #expect(show.stdout.contains("alice"), "the qualification went through the console as alice")
    }

    /// The citizen's screenshot is decoded from the stored raw message and shown on the cluster and report pages;
    /// anything but a raster picture is offered as a download, never inline.
    @Test func screenshotsAreShownFromTheStoredMessage() throws {
        try LocalServers.requireIMAP()
        let f = try ConsoleFixture()
        let s = try f.web.start()
        defer { _ = s.terminate() }
        var b = f.browser()
        #expect(try b.signIn("alice", ConsoleFixture.password).status == 303)
        let src = "/console/reports/\(f.screenshotReport)/attachments/0"
        let page = try b.get("/console/clusters/\(f.clusterID)")
        #expect(page.body.contains("<img src=\"\(src)\""))
        #expect(page.body.contains("Voici la capture du message haineux"))
        #expect(try b.get("/console/reports/\(f.screenshotReport)").body.contains("capture.png"))
        let image = try b.get(src)
        #expect(image.status == 200)
        #expect(image.header("Content-Type") == "image/png")
        #expect(image.body.contains("PNG") && image.body.contains("IHDR"))
        #expect(try b.get("/console/reports/\(f.screenshotReport)/attachments/1").status == 404)
        #expect(try f.web.http.get(src).status == 303, "no session, no picture")
    }
}
