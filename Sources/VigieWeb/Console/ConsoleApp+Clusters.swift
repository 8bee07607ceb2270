import Foundation
import HTTPTypes
import Hummingbird
import Logging
import VigieApp
import VigieCore

/// The clusters queue and a cluster's page with its actions.
extension ConsoleApp {
    static let pageSize = 50

    func clustersPage(_ request: Request, _ s: ConsoleSession) throws -> Response {
        let q = request.uri.queryParameters
        func value(_ name: String) -> String? {
            guard let v = q.get(name)?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        let page = max(1, value("page").flatMap { Int($0) } ?? 1)
        let query = ClusterQuery(
            status: value("status").flatMap(ModerationStatus.init(rawValue:)),
            platform: value("platform").flatMap(Platform.init(rawValue:)), offence: value("offence"),
            since: value("since").flatMap(Self.day), until: value("until").flatMap(Self.day).map { $0 + 86_400 },
            search: value("q").map { String($0.prefix(200)) }, offset: (page - 1) * Self.pageSize,
            limit: Self.pageSize)
        let (rows, total) = try console.clusters(query)
        let now = Date()
        var keep: [(String, String)] = []
        for name in ["status", "platform", "offence", "since", "until", "q"] {
            if let v = value(name) { keep.append((name, v)) }
        }
        func link(_ p: Int) -> String {
            "/console/clusters?"
                + (keep + [("page", "\(p)")]).map { "\($0)=\(FormFields.encode($1))" }
                .joined(separator: "&")
        }
        let pages = max(1, (total + Self.pageSize - 1) / Self.pageSize)
        let values: [String: Any] = [
            "rows": rows.map { c -> [String: Any] in
                [
                    "id": c.id, "platform": c.platform.displayName, "url": c.canonicalURL,
                    "account": c.account.map(Self.accountLabel) ?? false, "reporters": c.reporters,
                    "reports": c.reports,
                    "velocity": c.recentReporters, "status": Self.statusLabel(c.status),
                    "status_class": c.status.rawValue, "offence": c.offence ?? false,
                    "age": c.firstReported.map { Self.age(since: $0, now: now) } ?? "—",
                ]
            },
            "total": total, "page": page, "pages": pages, "empty": rows.isEmpty,
            "prev": page > 1 ? link(page - 1) : false, "next": page < pages ? link(page + 1) : false,
            "q": value("q") ?? "", "since": value("since") ?? "", "until": value("until") ?? "",
            "statuses": ModerationStatus.allCases.map {
                ["value": $0.rawValue, "label": Self.statusLabel($0), "selected": query.status == $0]
            },
            "platforms": Platform.allCases.map {
                ["value": $0.rawValue, "label": $0.displayName, "selected": query.platform == $0]
            },
            "offences": offences.filter { !$0.modifier }.map {
                ["value": $0.code, "label": "\($0.code) — \($0.label)", "selected": query.offence == $0.code]
            },
        ]
        return render(
            "console-clusters", title: "File des contenus signalés", session: s, active: "clusters",
            values: values)
    }

    func clusterPage(
        _ id: Int64, _ s: ConsoleSession, revealReporters: Bool = false, error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let clusters = try environment.context.clusterService()
        guard let d = try clusters.detail(id: id, includeReporters: revealReporters) else {
            throw HTTPError(.notFound)
        }
        let c = d.summary
        let offences = self.offences.filter { !$0.modifier }
        var trail: [(Date, [String: Any])] = d.events.map { e in
            (e.at, ["at": Self.dateTime(e.at), "author": e.author, "text": Self.describe(e)])
        }
        for a in try console.auditTrail(clusterID: id) {
            trail.append(
                (
                    a.at,
                    [
                        "at": Self.dateTime(a.at), "author": a.author,
                        "text": a.action + (a.detail.map { " — \($0)" } ?? ""),
                    ]
                ))
        }
        trail.sort { $0.0 < $1.0 }
        let posts = try c.account.map { try console.accountPosts($0).filter { $0.id != id } } ?? []
        let lineage = d.lineage
        // A cluster merged into another is only its history: the work goes on in the other one.
        let next = lineage.mergedInto == nil ? c.status.allowedNext : []
        let files = try console.attachments(reportIDs: d.reportList.map(\.reportID))
        let values: [String: Any] = [
            "id": id, "platform": c.platform.displayName, "url": c.canonicalURL, "urls": c.urls,
            "can_split": lineage.mergedInto == nil && c.urls.count > 1,
            "merged_into": lineage.mergedInto ?? false, "split_from": lineage.splitFrom ?? false,
            "absorbed": lineage.absorbed.map { ["id": $0] }, "has_absorbed": !lineage.absorbed.isEmpty,
            "can_merge": lineage.mergedInto == nil,
            "account": c.account.map(Self.accountLabel) ?? false,
            "account_search": c.account.map { FormFields.encode($0) } ?? "",
            "status": Self.statusLabel(c.status), "status_class": c.status.rawValue,
            "offence": c.offence.map { code in
                offences.first { $0.code == code }.map { "\($0.code) — \($0.label) (\($0.reference))" } ?? code
            } ?? false,
            "note": d.note ?? false, "reason": d.reason ?? false, "platform_ref": c.platformRef ?? false,
            "reports_count": c.reports, "reporters": c.reporters, "velocity": c.recentReporters,
            "first": c.firstReported.map(Self.dateTime) ?? "—", "last": c.lastReported.map(Self.dateTime) ?? "—",
            "reports": d.reportList.map { r -> [String: Any] in
                [
                    "id": r.reportID, "at": Self.dateTime(r.receivedAt), "subject": r.subject ?? false,
                    "excerpt": r.excerpt, "urls": r.urls, "reporter": r.reporter ?? false,
                    "files": Self.files(reportID: r.reportID, files[r.reportID] ?? []),
                    "has_files": files[r.reportID] != nil,
                ]
            },
            "revealed": revealReporters,
            "posts": posts.map {
                [
                    "id": $0.id, "url": $0.canonicalURL, "status": Self.statusLabel($0.status),
                    "reporters": $0.reporters,
                ]
            },
            "has_posts": !posts.isEmpty,
            "trail": trail.map(\.1), "has_trail": !trail.isEmpty,
            "can_qualify": next.contains(.qualified), "can_notify": next.contains(.notified),
            "can_remove": next.contains(.removed), "can_online": next.contains(.online),
            "can_reject": next.contains(.rejected),
            "has_notice": [.qualified, .notified, .online].contains(c.status) && c.offence != nil,
            "offences": offences.map { ["code": $0.code, "label": $0.label, "selected": c.offence == $0.code] },
            "error": error ?? false,
            // The automatic rechecks of its URLs, newest first.
            "checks": d.checks.suffix(30).reversed().map { k -> [String: Any] in
                [
                    "at": Self.dateTime(k.checkedAt), "url": k.url,
                    "verdict": Self.verdictLabel(k.verdict) + (k.httpStatus > 0 ? " (HTTP \(k.httpStatus))" : ""),
                ]
            },
            "has_checks": !d.checks.isEmpty,
        ]
        return render(
            "console-cluster", title: "Contenu n° \(id)", session: s, active: "clusters", status: status,
            values: values)
    }

    /// A form of the cluster page: a change of status through ModerationService (the audit trail names the
    /// moderator), or an admin's request to see the reporters' addresses (itself recorded).
    func clusterAction(
        id: Int64, action: String, fields: [String: String], session s: ConsoleSession
    ) throws
        -> Response
    {
        func field(_ name: String) -> String? {
            guard let v = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
            return v
        }
        let author = s.user.name
        let change: ModerationChange
        switch action {
        case "reporters":
            try requireAdmin(s)
            guard try environment.context.clusterService().detail(id: id, includeReporters: false) != nil else {
                throw HTTPError(.notFound)
            }
            try console.audit(clusterID: id, author: author, action: "adresses des signalants consultées")
            return try clusterPage(id, s, revealReporters: true)
        case "merge", "split":
            return try correction(id: id, action: action, field: field, session: s)
        case "qualify":
            change = ModerationChange(to: .qualified, offence: field("offence"), note: field("note"), author: author)
        case "notified":
            change = ModerationChange(
                to: .notified, note: field("note"), platformRef: field("reference"), channel: field("channel"),
                author: author)
        case "removed": change = ModerationChange(to: .removed, note: field("note"), author: author)
        case "online": change = ModerationChange(to: .online, note: field("note"), author: author)
        case "rejected":
            change = ModerationChange(to: .rejected, note: field("note"), reason: field("reason"), author: author)
        default: throw HTTPError(.notFound)
        }
        do {
            try environment.context.moderation().change(clusterID: id, change)
        } catch let e as ModerationError {
            return try clusterPage(id, s, error: Self.frenchRefusal(e), status: .unprocessableContent)
        }
        environment.logger.info("console: cluster \(id) \(change.to.rawValue) by \(author)")
        return Response.redirect(to: "/console/clusters/\(id)#historique")
    }

    /// A merge (this cluster into the one numbered in the form) or a split (the URL of the form out of this
    /// cluster); a refusal is shown on the cluster's page in French, nothing changed.
    private func correction(
        id: Int64, action: String, field: (String) -> String?, session s: ConsoleSession
    ) throws -> Response {
        let clusters = try environment.context.clusterService()
        let author = s.user.name
        do {
            if action == "merge" {
                guard let text = field("into"),
                    let into = Int64(text.trimmingCharacters(in: CharacterSet(charactersIn: "n°# ")))
                else {
                    return try clusterPage(
                        id, s, error: "Indiquez le numéro du contenu dans lequel fusionner celui-ci.",
                        status: .unprocessableContent)
                }
                try clusters.merge(id, into: into, author: author, note: field("note"))
                environment.logger.info("console: cluster \(id) merged into \(into) by \(author)")
                return Response.redirect(to: "/console/clusters/\(into)#historique")
            }
            guard let url = field("url") else { throw HTTPError(.badRequest) }
            let new = try clusters.split(clusterID: id, url: url, author: author, note: field("note"))
            environment.logger.info("console: a URL of cluster \(id) split out into \(new) by \(author)")
            return Response.redirect(to: "/console/clusters/\(new)#historique")
        } catch let e as ClusterCorrectionError {
            if case .unknownCluster(id) = e { throw HTTPError(.notFound) }
            return try clusterPage(id, s, error: Self.frenchRefusal(e), status: .unprocessableContent)
        }
    }

    static func frenchRefusal(_ e: ClusterCorrectionError) -> String {
        switch e {
        case .unknownCluster(let n): "Le contenu n° \(n) n’existe pas."
        case .sameCluster: "Un contenu ne peut pas être fusionné avec lui-même."
        case .alreadyMerged(let n, let into):
            "Le contenu n° \(n) a déjà été fusionné dans le contenu n° \(into) : travaillez sur celui-ci."
        case .sourceDecided(let from, let into, _, let notified):
            "Le contenu n° \(from) a déjà été \(notified ? "notifié à la plateforme" : "traité") : son dossier doit "
                + "rester attaché à ses adresses. Fusionnez plutôt le contenu n° \(into) dans le n° \(from)."
        case .qualifiedIntoNew(let from, let into):
            "Le contenu n° \(from) est qualifié, le n° \(into) ne l’est pas : fusionnez plutôt le n° \(into) dans "
                + "le n° \(from)."
        case .urlNotInCluster: "Cette adresse ne figure dans aucun signalement de ce contenu."
        case .notAURL: "Cette adresse n’est pas un lien web valide."
        case .alreadySplit: "Cette adresse a déjà été séparée dans un contenu à part."
        case .nothingLeft:
            "Tous les signalements de ce contenu donnent cette adresse : il ne resterait rien, rien à séparer."
        }
    }

    func noticePage(_ id: Int64, _ s: ConsoleSession) throws -> Response {
        let text = try notice(id)
        return render(
            "console-notice", title: "Notification du contenu n° \(id)", session: s, active: "clusters",
            values: [
                "id": id, "notice": text,
                "rows": text.split(separator: "\n", omittingEmptySubsequences: false).count + 1,
            ])
    }

    func noticeDownload(_ id: Int64, _ s: ConsoleSession) throws -> Response {
        Self.download(
            Array(try notice(id).utf8), type: "text/plain; charset=utf-8", filename: "notification-contenu-\(id).txt")
    }

    func notice(_ id: Int64) throws -> String {
        guard try environment.context.clusterService().detail(id: id, includeReporters: false) != nil else {
            throw HTTPError(.notFound)
        }
        do {
            return try environment.context.moderation().notice(clusterID: id)
        } catch is ModerationError {
            throw HTTPError(.conflict)
        }
    }

    // MARK: wording

    static func statusLabel(_ s: ModerationStatus) -> String {
        switch s {
        case .new: "nouveau"
        case .qualified: "qualifié"
        case .notified: "notifié"
        case .removed: "retiré"
        case .online: "toujours en ligne"
        case .rejected: "écarté"
        }
    }

    /// An account's identity (`x:account:troll`) as moderators read it: the handle after the platform and kind.
    static func accountLabel(_ key: String) -> String {
        let parts = key.split(separator: ":", maxSplits: 2)
        return parts.count == 3 ? String(parts[2]) : key
    }

    static func describe(_ e: ClusterEvent) -> String {
        var parts = ["\(statusLabel(e.from)) → \(statusLabel(e.to))"]
        if let o = e.offence { parts.append("infraction \(o)") }
        if let c = e.channel { parts.append("canal \(c)") }
        if let r = e.platformRef { parts.append("référence \(r)") }
        if let r = e.reason { parts.append("motif : \(r)") }
        if let n = e.note { parts.append("note : \(n)") }
        return parts.joined(separator: " ; ")
    }

    static func frenchRefusal(_ e: ModerationError) -> String {
        let text = e.message
        if text.contains("needs an offence code") || text.contains("unknown offence") {
            return "Choisissez une infraction dans la liste pour qualifier ce contenu."
        }
        if text.contains("needs a reason") { return "Indiquez le motif pour écarter ce contenu." }
        if text.contains("aggravating circumstance") {
            return "Cette circonstance aggravante ne qualifie pas seule : choisissez l’infraction et mentionnez-la "
                + "dans la note."
        }
        if text.contains("cannot go from") {
            return "Cette action n’est plus possible : le statut du contenu a changé entre-temps."
        }
        return "Action refusée : \(text)"
    }

    static let parisFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "fr_FR")
        f.timeZone = TimeZone(identifier: "Europe/Paris")
        f.dateFormat = "d MMM yyyy 'à' HH:mm"
        return f
    }()

    static func dateTime(_ d: Date) -> String { parisFormatter.string(from: d) }

    static func day(_ s: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Europe/Paris")
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: s)
    }

    static func age(since: Date, now: Date) -> String {
        let minutes = max(0, Int(now.timeIntervalSince(since) / 60))
        if minutes < 60 { return "\(minutes) min" }
        if minutes < 48 * 60 { return "\(minutes / 60) h" }
        return "\(minutes / 1440) j"
    }

    /// A recheck's verdict in the console's words.
    static func verdictLabel(_ v: LinkVerdict) -> String {
        switch v {
        case .online: "en ligne"
        case .removed: "retiré"
        case .unknown: "indéterminé"
        }
    }
}
