import Foundation
import HTTPTypes
import Hummingbird
import Logging
import VigieApp
import VigieCore

/// Reports with their raw message, reported accounts, console accounts and newsletter editions.
extension ConsoleApp {
    /// The kinds of stored messages the reports page separates.
    static let reportKinds: [(MessageStatus, String)] = [
        (.parsed, "Signalements"), (.automatic, "Réponses automatiques"), (.unparsed, "Non analysés"),
        (.tooLarge, "Trop volumineux"), (.received, "En attente d’analyse"),
    ]

    /// One stored message's state, as its page says it.
    static func stateLabel(_ status: MessageStatus) -> String {
        switch status {
        case .parsed: "signalement analysé"
        case .automatic: "réponse automatique (non comptée)"
        case .unparsed: "non analysé (erreur)"
        case .tooLarge: "trop volumineux (en-têtes seulement)"
        case .received: "en attente d’analyse"
        }
    }

    func reportsPage(_ request: Request, _ s: ConsoleSession) throws -> Response {
        let kind = request.uri.queryParameters.get("kind").flatMap(MessageStatus.init(rawValue:)) ?? .parsed
        let rows = try environment.context.reports().list(status: kind, limit: 100)
        let values: [String: Any] = [
            "kinds": Self.reportKinds.map { ["value": $0.0.rawValue, "label": $0.1, "current": $0.0 == kind] },
            "rows": rows.map { r -> [String: Any] in
                [
                    "id": r.id, "at": Self.dateTime(r.receivedAt), "subject": r.subject ?? "(sans objet)",
                    "urls": r.urls.count, "from": s.user.role == .admin ? (r.from.map { $0 as Any } ?? false) : false,
                ]
            },
            "empty": rows.isEmpty,
        ]
        return render("console-reports", title: "Signalements reçus", session: s, active: "reports", values: values)
    }

    func reportPage(_ id: Int64, _ s: ConsoleSession) throws -> Response {
        guard let r = try environment.context.reports().report(id: id) else { throw HTTPError(.notFound) }
        let admin = s.user.role == .admin
        let values: [String: Any] = [
            "id": id, "at": Self.dateTime(r.summary.receivedAt), "subject": r.summary.subject ?? "(sans objet)",
            "status": Self.stateLabel(r.summary.status),
            "from": admin ? (r.summary.from.map { $0 as Any } ?? false) : false,
            "text": r.text ?? "", "has_text": !(r.text ?? "").isEmpty, "urls": r.summary.urls,
            "has_urls": !r.summary.urls.isEmpty,
            "attachments": Self.files(reportID: id, r.attachments),
            "has_attachments": !r.attachments.isEmpty,
            "parse_error": r.parseError ?? false, "automatic": r.automaticReason ?? false,
            "size": Self.size(r.size), "sha256": r.sha256,
        ]
        return render("console-report", title: "Message n° \(id)", session: s, active: "reports", values: values)
    }

    /// The stored message exactly as fetched, as a `.eml` file. It carries the citizen's address: admins only,
    /// and the download is recorded.
    func rawDownload(_ id: Int64, _ s: ConsoleSession) throws -> Response {
        try requireAdmin(s)
        guard let raw = try console.rawMessage(id: id) else { throw HTTPError(.notFound) }
        try console.recordRawDownload(reportID: id, author: s.user.name)
        return Self.download(raw, type: "message/rfc822", filename: "message-\(id).eml")
    }

    func accountsPage(_ s: ConsoleSession) throws -> Response {
        let rows = try environment.context.clusterService().accounts(limit: 200)
        let values: [String: Any] = [
            "rows": rows.map { a -> [String: Any] in
                [
                    "account": Self.accountLabel(a.key), "search": FormFields.encode(a.key),
                    "platform": a.platform.displayName,
                    "posts": a.posts, "reporters": a.reporters, "reports": a.reports,
                    "last": a.lastReported.map(Self.dateTime) ?? "—",
                ]
            },
            "empty": rows.isEmpty,
        ]
        return render("console-accounts", title: "Comptes signalés", session: s, active: "accounts", values: values)
    }

    func usersPage(_ s: ConsoleSession, message: String? = nil, error: String? = nil) throws -> Response {
        try requireAdmin(s)
        let users = try console.users()
        let values: [String: Any] = [
            "rows": users.map { u -> [String: Any] in
                [
                    "name": u.name, "role": u.role == .admin ? "administrateur" : "modérateur",
                    "disabled": u.disabled, "self": u.name == s.user.name,
                    "last": u.lastLoginAt.map(Self.dateTime) ?? "jamais",
                ]
            },
            "message": message ?? false, "error": error ?? false,
        ]
        return render("console-users", title: "Comptes de la console", session: s, active: "users", values: values)
    }

    func usersAction(_ fields: [String: String], _ s: ConsoleSession) throws -> Response {
        try requireAdmin(s)
        let name = (fields["name"] ?? "").trimmingCharacters(in: .whitespaces)
        do {
            switch fields["action"] {
            case "add":
                let role = ConsoleRole(rawValue: fields["role"] ?? "") ?? .moderator
                let password = ConsoleService.generatePassword()
                try console.addUser(name: name, role: role, password: password)
                return try usersPage(
                    s, message: "Compte \(name) créé. Mot de passe, affiché une seule fois : \(password)")
            case "disable":
                guard name != s.user.name else {
                    return try usersPage(s, error: "Vous ne pouvez pas désactiver votre propre compte.")
                }
                try console.setDisabled(name: name, true)
                return try usersPage(s, message: "Compte \(name) désactivé ; ses sessions sont terminées.")
            case "enable":
                try console.setDisabled(name: name, false)
                return try usersPage(s, message: "Compte \(name) réactivé.")
            default:
                throw HTTPError(.badRequest)
            }
        } catch let e as ConsoleAccountError {
            return try usersPage(s, error: "Refusé : \(e.description)")
        }
    }

    func newsletterPage(_ s: ConsoleSession, message: String? = nil) throws -> Response {
        let editions = try console.editions()
        let admin = s.user.role == .admin
        let deliveries = try environment.context.deliveries()
        let values: [String: Any] = [
            "rows": try editions.map { e -> [String: Any] in
                let st = e.status
                let done = st.total == 0 ? 100 : (st.sent + st.failed + st.skipped) * 100 / st.total
                // Subscribers' addresses are for admins, like reporters'.
                var failures: [DeliveryFailure] = []
                if admin, st.failed > 0, let all = try deliveries.failures(editionID: e.id) {
                    failures = Array(all.prefix(50))
                }
                return [
                    "failures": failures.map { f -> [String: Any] in
                        [
                            "email": f.email, "attempts": f.attempts, "code": f.code.map { "\($0)" } ?? "—",
                            "reply": f.reply ?? "",
                        ]
                    },
                    "has_failures": !failures.isEmpty,
                    "id": e.id, "subject": e.subject, "created": Self.dateTime(e.createdAt),
                    "completed": e.completedAt.map(Self.dateTime) ?? false, "total": st.total, "sent": st.sent,
                    "failed": st.failed, "deferred": st.deferred, "pending": st.pending, "skipped": st.skipped,
                    "progress": done, "can_retry": st.failed > 0,
                ]
            },
            "empty": editions.isEmpty, "message": message ?? false,
        ]
        return render(
            "console-newsletter", title: "Lettre d’information", session: s, active: "newsletter",
            values: values)
    }

    func newsletterAction(_ fields: [String: String], _ s: ConsoleSession) throws -> Response {
        try requireAdmin(s)
        guard fields["action"] == "retry", let id = fields["edition"], !id.isEmpty else {
            throw HTTPError(.badRequest)
        }
        guard let n = try environment.context.deliveries().retryFailed(editionID: id) else {
            throw HTTPError(.notFound)
        }
        environment.logger.info("console: \(n) failed deliveries of edition \(id) queued again by \(s.user.name)")
        return try newsletterPage(
            s, message: "\(n) envoi\(n > 1 ? "s" : "") en échec remis en file ; `vigie serve` les enverra.")
    }

    /// Picture types a browser may show inline from our origin (never SVG: it can carry script).
    static let inlineImageTypes: Set<String> = ["image/png", "image/jpeg", "image/gif", "image/webp"]

    /// A report's attachments as the pages list them, pictures shown inline.
    static func files(reportID: Int64, _ list: [AttachmentInfo]) -> [[String: Any]] {
        list.enumerated().map { i, a in
            [
                "url": "/console/reports/\(reportID)/attachments/\(i)", "name": a.filename ?? "(sans nom)",
                "type": a.mimeType, "size": Self.size(a.size),
                "image": inlineImageTypes.contains(a.mimeType.lowercased()),
            ]
        }
    }

    /// A citizen's attachment, decoded from the stored raw message: pictures inline, anything else as a download.
    func attachmentDownload(_ id: Int64, _ n: Int, _ s: ConsoleSession) throws -> Response {
        guard let file = try console.attachment(reportID: id, index: n) else { throw HTTPError(.notFound) }
        let type = file.mimeType.lowercased()
        var headers = HTTPFields()
        Pages.hardening(&headers)
        headers[.cacheControl] = "private, max-age=3600"
        if Self.inlineImageTypes.contains(type) {
            headers[.contentType] = type
        } else {
            headers[.contentType] = "application/octet-stream"
            let name = (file.filename ?? "piece-jointe-\(n)").filter {
                $0.isLetter || $0.isNumber || ".-_".contains($0)
            }
            headers[.contentDisposition] = "attachment; filename=\"\(name.isEmpty ? "piece-jointe" : name)\""
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }

    /// A file to save (never shown inline), with the pages' hardening headers.
    static func download(_ bytes: [UInt8], type: String, filename: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        Pages.hardening(&headers)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func size(_ bytes: Int) -> String {
        bytes < 1024
            ? "\(bytes) o"
            : bytes < 1_048_576 ? "\(bytes / 1024) Ko" : String(format: "%.1f Mo", Double(bytes) / 1_048_576)
    }
}
