import Foundation
import HTTPTypes
import Hummingbird
import Logging
import VigieApp
import VigieCore

/// The moderators' console under `/console`: sign-in, the clusters queue and a cluster's page with its actions,
/// reports with their raw message, reported accounts, console accounts and newsletter editions.
public struct ConsoleRoutes: WebRoutes {
    public init() {}

    public var pageNames: [String] {
        [
            "console-nav", "console-login", "console-clusters", "console-cluster", "console-notice",
            "console-reports", "console-report", "console-accounts", "console-users", "console-newsletter",
        ]
    }

    public func register(on router: Router<VigieRequestContext>, environment: WebEnvironment) {
        let app = ConsoleApp(environment: environment)
        router.get("/console") { _, _ in Response.redirect(to: "/console/clusters") }
        router.get("/console/login") { request, context in app.loginPage(request, context) }
        router.post("/console/login") { request, context in try await app.login(request, context) }
        router.post("/console/logout") { request, context in
            try await app.form(request, context) { s, _ in try app.logout(request, s) }
        }
        router.get("/console/clusters") { request, context in
            try app.page(request, context) { s in try app.clustersPage(request, s) }
        }
        router.get("/console/clusters/:id") { request, context in
            try app.page(request, context) { s in try app.clusterPage(try Self.id(context), s) }
        }
        router.post("/console/clusters/:id/:action") { request, context in
            let id = try Self.id(context)
            let action = context.parameters.get("action") ?? ""
            return try await app.form(request, context) { s, fields in
                try app.clusterAction(id: id, action: action, fields: fields, session: s)
            }
        }
        router.get("/console/clusters/:id/notice") { request, context in
            try app.page(request, context) { s in try app.noticePage(try Self.id(context), s) }
        }
        router.get("/console/clusters/:id/notice.txt") { request, context in
            try app.page(request, context) { s in try app.noticeDownload(try Self.id(context), s) }
        }
        router.get("/console/reports") { request, context in
            try app.page(request, context) { s in try app.reportsPage(request, s) }
        }
        router.get("/console/reports/:id") { request, context in
            try app.page(request, context) { s in try app.reportPage(try Self.id(context), s) }
        }
        router.get("/console/reports/:id/attachments/:n") { request, context in
            let n = context.parameters.get("n", as: Int.self) ?? -1
            return try app.page(request, context) { s in try app.attachmentDownload(try Self.id(context), n, s) }
        }
        router.get("/console/reports/:id/raw.eml") { request, context in
            try app.page(request, context) { s in try app.rawDownload(try Self.id(context), s) }
        }
        router.get("/console/accounts") { request, context in
            try app.page(request, context) { s in try app.accountsPage(s) }
        }
        router.get("/console/users") { request, context in
            try app.page(request, context) { s in try app.usersPage(s) }
        }
        router.post("/console/users") { request, context in
            try await app.form(request, context) { s, fields in try app.usersAction(fields, s) }
        }
        router.get("/console/newsletter") { request, context in
            try app.page(request, context) { s in try app.newsletterPage(s) }
        }
        router.post("/console/newsletter") { request, context in
            try await app.form(request, context) { s, fields in try app.newsletterAction(fields, s) }
        }
        // deploy/bench/console.sh only: static files of a page's size, the same server's baseline.
        if let dir = ProcessInfo.processInfo.environment["VIGIE_BENCH_STATIC"] {
            environment.logger.notice("console: serving the benchmark's static files of \(dir)")
            router.get("/console/bench-static/:name") { _, context in
                let name = context.parameters.get("name") ?? ""
                guard !name.contains("/"), !name.hasPrefix("."),
                    let data = FileManager.default.contents(atPath: dir + "/" + name)
                else { throw HTTPError(.notFound) }
                var headers = HTTPFields()
                headers[.contentType] = "text/html; charset=utf-8"
                Pages.hardening(&headers)
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        }
    }

    static func id(_ context: VigieRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.notFound) }
        return id
    }
}

/// The console's handlers: the session check, the CSRF check, then a use case of VigieApp and a page.
struct ConsoleApp: Sendable {
    let environment: WebEnvironment
    let hasher: BcryptHasher
    let secureCookies: Bool
    static let sessionCookie = "vigie_session"
    static let loginCookie = "vigie_login"

    /// The offences file, read once at start like the rest of the configuration.
    let offences: [Offence]

    init(environment: WebEnvironment) {
        self.environment = environment
        hasher = BcryptHasher()
        do {
            offences = try environment.context.moderation().rules.offences
        } catch {
            environment.logger.error("console: \(error); the pages will offer no offence to qualify with")
            offences = []
        }
        secureCookies = Self.needsSecureCookies(publicURL: environment.context.config.publicURL)
    }

    /// `Secure` unless the public URL is plain http on a loopback address (a workstation or a test).
    static func needsSecureCookies(publicURL: String?) -> Bool {
        guard let publicURL, let url = URL(string: publicURL), url.scheme?.lowercased() == "http" else { return true }
        let host = (url.host ?? "").lowercased()
        return !(host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]")
    }

    var console: ConsoleService {
        get throws { try environment.context.console(hasher: hasher) }
    }
    var pages: Pages { environment.pages }

    // MARK: session and CSRF

    /// A GET page: the signed-in moderator, else a redirect to the sign-in page (back here afterwards).
    func page(
        _ request: Request, _ context: VigieRequestContext, _ body: (ConsoleSession) throws -> Response
    ) throws -> Response {
        guard let s = try session(request) else { return signInRedirect(request) }
        return try body(s)
    }

    /// A POST form: signed in, and the form's CSRF token is the session's (else 403).
    func form(
        _ request: Request, _ context: VigieRequestContext,
        _ body: (ConsoleSession, [String: String]) throws -> Response
    ) async throws -> Response {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard let s = try session(request) else { return Response.redirect(to: "/console/login") }
        let fields = FormFields.parse(String(buffer: buffer))
        guard let token = fields["csrf"], Self.constantTimeEqual(token, s.csrf) else {
            environment.logger.notice("console: form without a valid CSRF token refused (\(request.uri.path))")
            return pages.error(
                .forbidden,
                message: "Le formulaire a expiré ou ne vient pas de la console. "
                    + "Rechargez la page et recommencez.")
        }
        return try body(s, fields)
    }

    func session(_ request: Request) throws -> ConsoleSession? {
        guard let token = request.cookies[Self.sessionCookie]?.value else { return nil }
        return try console.session(token: token)
    }

    func signInRedirect(_ request: Request) -> Response {
        let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        return Response.redirect(to: "/console/login?next=" + FormFields.encode(next))
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: "/console", secure: secureCookies, httpOnly: true,
            sameSite: .lax)
    }

    // MARK: sign-in

    func loginPage(_ request: Request, _ context: VigieRequestContext) -> Response {
        renderLogin(next: request.uri.queryParameters.get("next"), error: nil, status: .ok)
    }

    func renderLogin(next: String?, error: String?, status: HTTPResponse.Status, name: String = "") -> Response {
        let token = ConsoleService.randomToken()
        var r = pages.render(
            "console-login", title: "Connexion à la console", status: status,
            values: ["csrf": token, "next": Self.safeNext(next) ?? "", "error": error ?? false, "name": name])
        r.setCookie(cookie(Self.loginCookie, token, maxAge: 3600))
        return r
    }

    /// Only a path of the console is a place to go back to (never another site).
    static func safeNext(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/console/"), !next.hasPrefix("//"), !next.contains("\\") else { return nil }
        return next
    }

    func login(_ request: Request, _ context: VigieRequestContext) async throws -> Response {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let fields = FormFields.parse(String(buffer: buffer))
        guard let token = fields["csrf"], let expected = request.cookies[Self.loginCookie]?.value,
            Self.constantTimeEqual(token, expected)
        else {
            return pages.error(.forbidden, message: "Le formulaire a expiré. Rechargez la page de connexion.")
        }
        let name = (fields["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let client = environment.client(of: request, context: context)?.description ?? "unknown"
        switch try console.login(name: name, password: fields["password"] ?? "", client: client) {
        case .signedIn(let sessionToken, _):
            var r = Response.redirect(to: Self.safeNext(fields["next"]) ?? "/console/clusters")
            r.setCookie(cookie(Self.sessionCookie, sessionToken))
            r.setCookie(cookie(Self.loginCookie, "", maxAge: 0))
            return r
        case .refused:
            return renderLogin(
                next: fields["next"], error: "Nom d’utilisateur ou mot de passe incorrect.", status: .unauthorized,
                name: name)
        case .throttled:
            return renderLogin(
                next: fields["next"],
                error: "Trop de tentatives de connexion échouées. Réessayez dans quinze minutes.",
                status: .tooManyRequests, name: name)
        }
    }

    func logout(_ request: Request, _ s: ConsoleSession) throws -> Response {
        if let token = request.cookies[Self.sessionCookie]?.value { try console.logout(token: token) }
        var r = Response.redirect(to: "/console/login")
        r.setCookie(cookie(Self.sessionCookie, "", maxAge: 0))
        return r
    }

    // MARK: rendering

    /// A console page: the navigation (who is signed in, the logout form) above the body.
    func render(
        _ name: String, title: String, session s: ConsoleSession, active: String, status: HTTPResponse.Status = .ok,
        values: [String: Any]
    ) -> Response {
        var v = values
        v["csrf"] = s.csrf
        v["is_admin"] = s.user.role == .admin
        let nav = pages.bodies["console-nav"]?.render([
            "user": s.user.name, "role": s.user.role == .admin ? "administrateur" : "modérateur", "csrf": s.csrf,
            "is_admin": s.user.role == .admin, "active_\(active)": true,
        ])
        v["nav"] = nav ?? ""
        return pages.render(name, title: title, status: status, values: v)
    }

    func requireAdmin(_ s: ConsoleSession) throws {
        guard s.user.role == .admin else { throw HTTPError(.forbidden) }
    }
}

/// `application/x-www-form-urlencoded` bodies and query strings.
enum FormFields {
    static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            if out[key] == nil { out[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return out
    }

    static func decode(_ s: Substring) -> String {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
