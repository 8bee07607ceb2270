import Foundation
import HTTPTypes
import Hummingbird
import Logging
import VigieApp
import VigieCore

/// Server-rendered pages: `templates/web-NAME.html.mustache` inside the layout `web-page.html.mustache`, French,
/// readable on a phone, no JavaScript. Every template is parsed at start, so a broken one stops `serve` at once.
public struct Pages: Sendable {
    let layout: LoadedTemplate
    let bodies: [String: LoadedTemplate]
    let organisation: String
    let website: String?
    let logger: Logger

    /// Loads the layout, the error page and the bodies `names` (each `templates/web-NAME.html.mustache`).
    init(templates: TemplateRenderer, names: [String], organisation: VigieConfig.Organisation, logger: Logger) throws {
        layout = try templates.load("web-page.html")
        var bodies: [String: LoadedTemplate] = [:]
        for name in ["error"] + names { bodies[name] = try templates.load("web-\(name).html") }
        self.bodies = bodies
        self.organisation = organisation.name
        self.website = organisation.website
        self.logger = logger
    }

    /// The page `name` with `values` (escaped by the template), in the layout, as a response with `status`.
    public func render(
        _ name: String, title: String, status: HTTPResponse.Status = .ok, values: [String: Any] = [:]
    ) -> Response {
        guard let body = bodies[name] else {
            logger.error("http: page \(name) is not in its routes' pageNames; answering 500")
            return error(.internalServerError)
        }
        var v = values
        v["organisation"] = organisation
        if let website { v["website"] = website }
        let html = layout.render([
            "title": title, "organisation": organisation, "website": website as Any,
            "body": body.render(v),
        ])
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        Self.hardening(&headers)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The error page for `status`, in French, never a stack trace.
    public func error(_ status: HTTPResponse.Status, message: String? = nil) -> Response {
        let (title, text) = Self.wording(status)
        return render(
            "error", title: title, status: status,
            values: ["heading": title, "message": message ?? text, "code": status.code])
    }

    /// Headers every page carries: no sniffing, no framing, no referrer leaking a token, no script at all.
    static func hardening(_ headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[.cacheControl] = "no-store"
    }

    static func wording(_ status: HTTPResponse.Status) -> (String, String) {
        switch status.code {
        case 400: ("Requête invalide", "La requête envoyée n’a pas pu être comprise.")
        case 403: ("Accès refusé", "Vous n’avez pas accès à cette page.")
        case 404: ("Page introuvable", "Cette adresse ne correspond à aucune page, ou le lien n’est plus valable.")
        case 405: ("Méthode non permise", "Cette page ne s’utilise pas ainsi.")
        case 413: ("Requête trop volumineuse", "Le formulaire envoyé est trop volumineux.")
        case 429: ("Trop de demandes", "Trop de demandes ont été faites depuis votre connexion. Réessayez plus tard.")
        case 503:
            ("Service indisponible", "Le service est momentanément indisponible. Réessayez dans quelques minutes.")
        default: ("Erreur", "Une erreur est survenue de notre côté. Réessayez plus tard.")
        }
    }
}
