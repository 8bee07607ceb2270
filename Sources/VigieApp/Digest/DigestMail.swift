import Foundation
import VigieCore
import VigieStore

/// Renders digests and alerts (templates `digest.txt` and `digest.html`) and composes their outbox messages.
struct DigestMail: Sendable {
    let settings: DigestSettings
    let templates: TemplateRenderer
    let organisation: String
    let hasConsole: Bool

    /// Subject, text and HTML of one rendering.
    struct Rendered {
        var subject: String
        var text: String
        var html: String
    }

    func digest(_ c: DigestContent) throws -> Rendered {
        let subject = settings.subject ?? "Vigie · signalements du \(format(c.until, "d MMMM yyyy"))"
        let n = c.counts
        let counts: [(String, Int)] = [
            ("nouveaux signalements", n.newReports), ("nouveaux citoyens", n.newCitizens),
            ("nouveaux contenus", n.newClusters), ("qualifiés", n.qualified), ("notifiés", n.notified),
            ("retirés", n.removed),
        ]
        let countItems = counts.map { ["label": $0.0, "value": $0.1] as [String: Any] }
        let rows = stride(from: 0, to: countItems.count, by: 3).map { ["cells": Array(countItems[$0..<$0 + 3])] }
        let window =
            c.sinceLastDigest
            ? "Depuis le dernier récapitulatif, le \(format(c.since, "d MMMM 'à' HH:mm")) (jusqu'au \(format(c.until, "d MMMM 'à' HH:mm")))"
            : "Sur les dernières 24 heures (jusqu'au \(format(c.until, "d MMMM yyyy 'à' HH:mm")))"
        var context = base(subject: subject)
        context["window"] = window
        context["counts"] = countItems.map {
            ["label": capitalised($0["label"] as? String ?? ""), "value": $0["value"]!]
        }
        context["count_rows"] = rows
        context["clusters"] = c.clusters.enumerated().map { i, cl -> [String: Any] in
            var card = cluster(cl, position: i + 1)
            card["new_since"] = c.sinceLastDigest ? "depuis le dernier récapitulatif" : "en 24 h"
            return card
        }
        context["has_clusters"] = !c.clusters.isEmpty
        context["accounts"] = c.accounts.map { a -> [String: Any] in
            ["platform": a.platform.displayName, "account": a.key, "posts": a.posts, "reports": a.reports]
        }
        context["has_accounts"] = !c.accounts.isEmpty
        context["waiting"] = c.waiting.map { w -> [String: Any] in
            [
                "reference": w.reference, "link": w.link ?? false, "platform": w.platform,
                "canonical_url": w.canonicalURL,
                "notified": format(w.notifiedAt, "d MMMM yyyy"), "days": w.days, "platform_ref": w.platformRef ?? false,
            ]
        }
        context["has_waiting"] = !c.waiting.isEmpty
        context["waiting_total"] = c.waitingTotal
        context["waiting_more"] = c.waitingTotal > c.waiting.count ? c.waitingTotal - c.waiting.count : false
        // An unmatched mail may come from anyone (a citizen writing to the wrong address): its sender shows as its
        // domain only, and every excerpt has its addresses masked, as the digest promises.
        context["replies"] = c.replies.map { r -> [String: Any] in
            let from = r.from ?? "—"
            return [
                "reference": r.clusterID.map(DigestBuilder.reference) ?? "sans correspondance",
                "from": r.clusterID == nil ? from.split(separator: "@").last.map { "…@\($0)" } ?? "—" : from,
                "subject": PrivacyMask.mask(r.subject ?? "(sans objet)", names: []),
                "excerpt": Excerpt.make(PrivacyMask.mask(r.excerpt, names: []), maxLength: 240),
                "received": format(r.receivedAt, "d MMMM yyyy 'à' HH'h'mm"),
            ]
        }
        context["has_replies"] = c.repliesTotal > 0
        context["replies_total"] = c.repliesTotal
        context["replies_unmatched"] = c.repliesUnmatched > 0 ? c.repliesUnmatched : false
        context["replies_more"] = c.repliesTotal > c.replies.count ? c.repliesTotal - c.replies.count : false
        context["still_online"] = c.stillOnline.map { o -> [String: Any] in
            [
                "reference": o.reference, "link": o.link ?? false, "platform": o.platform,
                "canonical_url": o.canonicalURL, "notified": format(o.notifiedAt, "d MMMM yyyy"), "days": o.days,
                "checked": format(o.lastCheckedAt, "d MMMM 'à' HH:mm"),
            ]
        }
        context["has_still_online"] = !c.stillOnline.isEmpty
        context["still_online_total"] = c.stillOnlineTotal
        context["still_online_more"] =
            c.stillOnlineTotal > c.stillOnline.count ? c.stillOnlineTotal - c.stillOnline.count : false
        context["weekly"] = c.weekly.map { l -> [String: Any] in
            [
                "platform": l.platform.displayName, "notices": l.notices, "removed": l.removed,
                "rate": PlatformRecordReport.percent(l.removalRate),
                "median": PlatformRecordReport.frenchDays(l.medianSeconds),
                "online_7": PlatformRecordReport.ratio(l.stillOnline7, l.eligible7), "no_answer": l.noAnswer,
            ]
        }
        context["has_weekly"] = !c.weekly.isEmpty
        context["weekly_days"] = DigestBuilder.weeklyDays
        return try render(subject, context)
    }

    func alert(_ cluster: DigestContent.Cluster, windowReporters: Int) throws -> Rendered {
        let subject =
            "Vigie · alerte : \(cluster.platform) \(cluster.reference), \(windowReporters) signalements en "
            + "\(window())"
        var context = base(subject: subject)
        context["is_alert"] = true
        context["alert_reporters"] = windowReporters
        context["alert_window"] = window()
        var card = self.cluster(cluster, position: nil)
        card["new_since"] = "en moins de \(window())"
        context["clusters"] = [card]
        return try render(subject, context)
    }

    /// One message per recipient, each with its dedupe key `PREFIX:ADDRESS`.
    func items(
        _ r: Rendered, kind: OutboxKind, dedupePrefix: String, subjectRef: String, to: [MailAddress],
        now: Date
    ) -> [OutboxItem] {
        let domain = settings.from.address.split(separator: "@").last.map(String.init) ?? "localhost"
        return to.map { rcpt in
            let id = "\(kind.rawValue).\(UInt64.random(in: 0...UInt64.max).hexString)@\(domain)"
            let message = OutgoingMessage(
                from: settings.from, to: rcpt, subject: r.subject, date: now, timeZone: settings.timeZone,
                messageID: id, headers: [HeaderField(name: "Auto-Submitted", value: "auto-generated")],
                textBody: r.text, htmlBody: r.html)
            return OutboxItem(
                kind: kind, queue: settings.queue, dedupeKey: "\(dedupePrefix):\(rcpt.address.lowercased())",
                recipient: rcpt.address, envelopeFrom: settings.from.address, messageID: id,
                bytes: MessageComposer.compose(message), subjectRef: subjectRef)
        }
    }

    private func render(_ subject: String, _ context: [String: Any]) throws -> Rendered {
        Rendered(
            subject: subject, text: try templates.render("digest.txt", context),
            html: try templates.render("digest.html", context))
    }

    private func base(subject: String) -> [String: Any] {
        ["subject": subject, "organisation": organisation, "is_alert": false, "has_console": hasConsole]
    }

    private func window() -> String {
        settings.alertWindowHours % 24 == 0 && settings.alertWindowHours > 24
            ? "\(settings.alertWindowHours / 24) jours" : "\(settings.alertWindowHours) h"
    }

    /// One cluster's card; `position` in the digest's ranking, nil in an alert.
    private func cluster(_ c: DigestContent.Cluster, position: Int?) -> [String: Any] {
        func s(_ n: Int) -> String { n > 1 ? "s" : "" }
        let badge = c.isNew ? "nouveau" : "en hausse"
        return [
            "position": position ?? false, "reference": c.reference, "link": c.link ?? false, "platform": c.platform,
            "canonical_url": c.canonicalURL, "urls": c.urls, "has_urls": !c.urls.isEmpty,
            "more_urls": c.moreURLs > 0 ? c.moreURLs : false, "more_urls_s": s(c.moreURLs),
            "account": c.account ?? false, "reporters": c.reporters, "reporters_s": s(c.reporters),
            "new_reporters": c.newReporters, "new_reporters_s": s(c.newReporters), "reports": c.reports,
            "reports_s": s(c.reports), "first": c.firstReported.map { format($0, "d MMM yyyy, HH:mm") } ?? "—",
            "last": c.lastReported.map { format($0, "d MMM yyyy, HH:mm") } ?? "—",
            "excerpts": c.excerpts, "has_excerpts": !c.excerpts.isEmpty,
            "attachments": c.attachments.enumerated().map { i, a -> [String: Any] in
                ["name": a.name, "type": a.type, "last_item": i == c.attachments.count - 1]
            },
            "has_attachments": !c.attachments.isEmpty, "status": Self.statusLabel(c.status),
            "offence": c.offence ?? false, "badge": badge, "accent": c.isNew ? "#8a1c2b" : "#b36b00",
        ]
    }

    /// The status as moderators say it in French.
    static func statusLabel(_ s: ModerationStatus) -> String {
        switch s {
        case .new: return "à examiner"
        case .qualified: return "qualifié"
        case .notified: return "notifié à la plateforme"
        case .removed: return "retiré"
        case .online: return "toujours en ligne"
        case .rejected: return "écarté"
        }
    }

    private func capitalised(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }

    private func format(_ date: Date, _ pattern: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "fr_FR")
        f.timeZone = settings.timeZone
        f.dateFormat = pattern
        return f.string(from: date)
    }
}

extension UInt64 {
    fileprivate var hexString: String { String(self, radix: 16) }
}
