import Foundation
import VigieCore

/// Presentation of command results: JSON for machines, aligned text for people.
enum Output {
    static func json<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    static let dateFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f
    }()

    static func reportTable(_ rows: [ReportSummary]) -> String {
        guard !rows.isEmpty else { return "no reports" }
        var lines = ["ID     RECEIVED          STATUS      FROM                            SUBJECT / URLS"]
        for r in rows {
            let from = clip(r.from ?? "-", 30)
            lines.append(pad(String(r.id), 6) + " " + dateFormatter.string(from: r.receivedAt) + "  "
                         + pad(r.status.rawValue, 11) + " " + pad(from, 31) + " " + clip(r.subject ?? "(no subject)", 60))
            for u in r.urls { lines.append(String(repeating: " ", count: 58) + "  " + u) }
        }
        return lines.joined(separator: "\n")
    }

    static func reportDetail(_ d: ReportDetail) -> String {
        var out: [String] = []
        let s = d.summary
        out.append("Report \(s.id) — \(s.status.rawValue)")
        out.append("From:        \(s.from ?? "-")")
        if !d.replyTo.isEmpty { out.append("Reply-To:    \(d.replyTo.joined(separator: ", "))") }
        out.append("Subject:     \(s.subject ?? "-")")
        if let date = d.date { out.append("Date:        \(ISO8601DateFormatter().string(from: date))") }
        out.append("Received:    \(ISO8601DateFormatter().string(from: s.receivedAt))")
        out.append("Message-ID:  \(s.messageID ?? "-")")
        if let irt = d.inReplyTo { out.append("In-Reply-To: \(irt)") }
        out.append("Mailbox:     \(d.mailbox) UID \(d.uid), \(d.size) bytes, sha256 \(d.sha256.prefix(16))…")
        if let r = d.automaticReason { out.append("Automatic:   \(r)") }
        if let e = d.parseError { out.append("Error:       \(e)") }
        for w in d.warnings { out.append("Warning:     \(w)") }
        out.append("")
        out.append("URLs (\(s.urls.count)):")
        for u in s.urls { out.append("  \(u)") }
        if !d.attachments.isEmpty {
            out.append("Attachments (\(d.attachments.count)):")
            for a in d.attachments { out.append("  \(a.filename ?? "(unnamed)")  \(a.mimeType)  \(a.size) bytes") }
        }
        if let t = d.text, !t.isEmpty {
            out.append("")
            out.append("Text:")
            out.append(t)
        }
        return out.joined(separator: "\n")
    }

    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
    }

    static func clip(_ s: String, _ n: Int) -> String {
        s.count <= n ? s : String(s.prefix(n - 1)) + "…"
    }
}

extension Output {
    static func clusterTable(_ rows: [ClusterSummary]) -> String {
        guard !rows.isEmpty else { return "no clusters" }
        var lines = ["ID     PRIO   REPORTERS  24H  REPORTS  STATUS     PLATFORM   CONTENT"]
        for c in rows {
            lines.append(pad(String(c.id), 6) + " " + pad(String(format: "%.1f", c.priority), 6) + " "
                         + pad(String(c.reporters), 10) + " " + pad(String(c.recentReporters), 4) + " "
                         + pad(String(c.reports), 8) + " " + pad(c.status.rawValue, 10) + " "
                         + pad(c.platform.rawValue, 10)
                         + " " + c.canonicalURL)
        }
        return lines.joined(separator: "\n")
    }

    static func clusterDetail(_ d: ClusterDetail) -> String {
        let s = d.summary
        let iso = ISO8601DateFormatter()
        var out = ["Cluster \(s.id) — \(s.status.rawValue)", "Content:    \(s.canonicalURL)", "Identity:   \(s.key)",
                   "Platform:   \(s.platform.rawValue) (\(s.kind.rawValue))"]
        if let a = s.account { out.append("Account:    \(a)") }
        out.append("Reporters:  \(s.reporters) distinct (\(s.recentReporters) in the last 24 h), \(s.reports) reports")
        out.append("Priority:   \(String(format: "%.2f", s.priority))")
        if let f = s.firstReported, let l = s.lastReported {
            out.append("Reported:   \(iso.string(from: f)) → \(iso.string(from: l))")
        }
        if let o = s.offence { out.append("Offence:    \(o)") }
        if let n = d.note { out.append("Note:       \(n)") }
        if let r = s.platformRef { out.append("Platform ref: \(r)") }
        if let r = d.reason { out.append("Reason:     \(r)") }
        out.append("")
        out.append("URLs as reported:")
        for u in s.urls { out.append("  \(u)") }
        out.append("")
        out.append("Reports (\(d.reportList.count)):")
        for r in d.reportList {
            out.append("  #\(r.reportID) \(iso.string(from: r.receivedAt))\(r.reporter.map { " " + $0 } ?? "")"
                       + " — \(r.subject ?? "(no subject)")")
            if !r.excerpt.isEmpty { out.append("      « \(r.excerpt) »") }
        }
        if !d.events.isEmpty {
            out.append("")
            out.append("History:")
            for e in d.events {
                var line = "  \(iso.string(from: e.at)) \(e.author): \(e.from.rawValue) → \(e.to.rawValue)"
                if let o = e.offence { line += " [\(o)]" }
                if let r = e.platformRef { line += " ref \(r)" }
                if let c = e.channel { line += " via \(c)" }
                if let r = e.reason { line += " — \(r)" }
                if let n = e.note { line += " — \(n)" }
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }

    static func accountTable(_ rows: [AccountSummary]) -> String {
        guard !rows.isEmpty else { return "no accounts" }
        var lines = ["ACCOUNT                                   POSTS  REPORTERS  REPORTS"]
        for a in rows {
            lines.append(pad(a.key, 41) + " " + pad(String(a.posts), 6) + " " + pad(String(a.reporters), 10) + " "
                         + String(a.reports))
        }
        return lines.joined(separator: "\n")
    }
}
