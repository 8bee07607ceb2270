import Foundation
import VigieCore

/// Presentation of command results: JSON for machines, aligned text for people.
///
/// Stored text comes from citizens and subscribers: nothing reaches stdout or stderr without `SafeText` (control
/// sequences, C1 controls and bidi overrides escaped). Commands print through `emit`/`warn`; tables and details escape
/// each single-line field with `one` so that a line break in a subject cannot forge a line of the layout.
enum Output {
    static func json<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return SafeText.json(String(decoding: try e.encode(value), as: UTF8.self))
    }

    /// Prints to stdout with every control sequence escaped (line breaks and tabs of the layout kept).
    static func emit(_ text: String) {
        print(SafeText.block(text))
    }

    /// Writes one line to stderr, escaped like `emit`.
    static func warn(_ text: String) {
        FileHandle.standardError.write(Data((SafeText.block(text) + "\n").utf8))
    }

    /// A single-line field: line breaks and tabs escaped as well.
    static func one(_ s: String) -> String { SafeText.line(s) }

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
            let from = clip(one(r.from ?? "-"), 30)
            lines.append(
                pad(String(r.id), 6) + " " + dateFormatter.string(from: r.receivedAt) + "  "
                    + pad(r.status.rawValue, 11) + " " + pad(from, 31) + " "
                    + clip(one(r.subject ?? "(no subject)"), 60))
            for u in r.urls { lines.append(String(repeating: " ", count: 58) + "  " + one(u)) }
        }
        return lines.joined(separator: "\n")
    }

    static func reportDetail(_ d: ReportDetail) -> String {
        var out: [String] = []
        let s = d.summary
        out.append("Report \(s.id) — \(s.status.rawValue)")
        out.append("From:        \(one(s.from ?? "-"))")
        if !d.replyTo.isEmpty { out.append("Reply-To:    \(one(d.replyTo.joined(separator: ", ")))") }
        out.append("Subject:     \(one(s.subject ?? "-"))")
        if let date = d.date { out.append("Date:        \(ISO8601DateFormatter().string(from: date))") }
        out.append("Received:    \(ISO8601DateFormatter().string(from: s.receivedAt))")
        out.append(
            "Message-ID:  \(one(s.messageID ?? "-"))"
                + (d.messageIDCollision.map {
                    " (also on message \($0), whose bytes differ: both kept)"
                } ?? ""))
        if let irt = d.inReplyTo { out.append("In-Reply-To: \(one(irt))") }
        out.append("Mailbox:     \(one(d.mailbox)) UID \(d.uid), \(d.size) bytes, sha256 \(d.sha256.prefix(16))…")
        if let r = d.automaticReason { out.append("Automatic:   \(one(r))") }
        if let e = d.parseError { out.append("Error:       \(one(e))") }
        for w in d.warnings { out.append("Warning:     \(one(w))") }
        out.append("")
        out.append("URLs (\(s.urls.count)):")
        for u in s.urls { out.append("  \(one(u))") }
        if !d.attachments.isEmpty {
            out.append("Attachments (\(d.attachments.count)):")
            for a in d.attachments {
                out.append("  \(one(a.filename ?? "(unnamed)"))  \(one(a.mimeType))  \(a.size) bytes")
            }
        }
        if let t = d.text, !t.isEmpty {
            out.append("")
            out.append("Text:")
            out.append(SafeText.block(t))
        }
        return out.joined(separator: "\n")
    }

    /// An instant in the local time zone, with its offset (`2026-11-21T07:30:00+01:00`).
    static func localTime(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = .current
        return f.string(from: d)
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
            lines.append(
                pad(String(c.id), 6) + " " + pad(String(format: "%.1f", c.priority), 6) + " "
                    + pad(String(c.reporters), 10) + " " + pad(String(c.recentReporters), 4) + " "
                    + pad(String(c.reports), 8) + " " + pad(c.status.rawValue, 10) + " "
                    + pad(c.platform.rawValue, 10) + " " + one(c.canonicalURL))
        }
        return lines.joined(separator: "\n")
    }

    static func clusterDetail(_ d: ClusterDetail) -> String {
        let s = d.summary
        let iso = ISO8601DateFormatter()
        var out = [
            "Cluster \(s.id) — \(s.status.rawValue)", "Content:    \(one(s.canonicalURL))",
            "Identity:   \(one(s.key))", "Platform:   \(s.platform.rawValue) (\(s.kind.rawValue))",
        ]
        if let a = s.account { out.append("Account:    \(one(a))") }
        out.append("Reporters:  \(s.reporters) distinct (\(s.recentReporters) in the last 24 h), \(s.reports) reports")
        out.append("Priority:   \(String(format: "%.2f", s.priority))")
        if let f = s.firstReported, let l = s.lastReported {
            out.append("Reported:   \(iso.string(from: f)) → \(iso.string(from: l))")
        }
        if let o = s.offence { out.append("Offence:    \(one(o))") }
        if let n = d.note { out.append("Note:       \(one(n))") }
        if let r = s.platformRef { out.append("Platform ref: \(one(r))") }
        if let r = d.reason { out.append("Reason:     \(one(r))") }
        out.append("")
        out.append("URLs as reported:")
        for u in s.urls { out.append("  \(one(u))") }
        out.append("")
        out.append("Reports (\(d.reportList.count)):")
        for r in d.reportList {
            out.append(
                "  #\(r.reportID) \(iso.string(from: r.receivedAt))\(r.reporter.map { " " + one($0) } ?? "")"
                    + " — \(one(r.subject ?? "(no subject)"))")
            if !r.excerpt.isEmpty { out.append("      « \(one(r.excerpt)) »") }
        }
        if !d.events.isEmpty {
            out.append("")
            out.append("History:")
            for e in d.events {
                var line = "  \(iso.string(from: e.at)) \(one(e.author)): \(e.from.rawValue) → \(e.to.rawValue)"
                if let o = e.offence { line += " [\(one(o))]" }
                if let r = e.platformRef { line += " ref \(one(r))" }
                if let c = e.channel { line += " via \(one(c))" }
                if let r = e.reason { line += " — \(one(r))" }
                if let n = e.note { line += " — \(one(n))" }
                out.append(line)
            }
        }
        out += lineageLines(d.lineage)
        out += noticeLines(d)
        if !d.checks.isEmpty {
            out.append("")
            out.append("Checks (\(d.checks.count)):")
            for c in d.checks.suffix(20) {
                out.append(
                    "  \(iso.string(from: c.checkedAt)) \(c.verdict.rawValue) (\(one(c.detail)), \(c.method.rawValue)) "
                        + one(c.url))
            }
        }
        return out.joined(separator: "\n")
    }

    /// Merges and splits a cluster took part in, for `clusters show`.
    static func lineageLines(_ l: ClusterLineage) -> [String] {
        var out: [String] = []
        if let into = l.mergedInto { out.append("Merged into cluster \(into): its URLs are there now.") }
        if !l.absorbed.isEmpty {
            out.append("Absorbed clusters: " + l.absorbed.map(String.init).joined(separator: ", "))
        }
        if let from = l.splitFrom { out.append("Split out of cluster \(from).") }
        return out.isEmpty ? [] : [""] + out
    }

    /// `clusters overrides`: one line per merge or split.
    static func overrideTable(_ rows: [IdentityOverrideRecord]) -> String {
        guard !rows.isEmpty else { return "no merge nor split" }
        let iso = ISO8601DateFormatter()
        return rows.map { r in
            let src = r.sourceClusterID.map { "#\($0)" } ?? "-"
            let dst = r.targetClusterID.map { "#\($0)" } ?? "-"
            var line =
                "\(iso.string(from: r.at)) \(r.kind.rawValue) \(src) → \(dst) by \(one(r.author)): \(one(r.source))"
            if let n = r.note { line += " — \(one(n))" }
            return line
        }.joined(separator: "\n")
    }

    /// The notices mailed and the platform's replies, for `clusters show`.
    static func noticeLines(_ d: ClusterDetail) -> [String] {
        let iso = ISO8601DateFormatter()
        var out: [String] = []
        if !d.notices.isEmpty {
            out += ["", "Notices mailed:"]
            for n in d.notices {
                out.append(
                    "  \(iso.string(from: n.createdAt)) \(one(n.author)) → \(one(n.recipient)) <\(one(n.messageID))> "
                        + "(\(n.state?.rawValue ?? "no outbox row"))")
            }
        }
        if !d.replies.isEmpty {
            out += ["", "Platform replies:"]
            for r in d.replies {
                out.append(
                    "  \(iso.string(from: r.receivedAt)) message \(r.messageID) from \(one(r.from ?? "-")) — "
                        + one(r.subject ?? "(no subject)"))
                if !r.excerpt.isEmpty { out.append("      « \(one(r.excerpt)) »") }
            }
        }
        return out
    }

    static func replyTable(_ rows: [PlatformReply]) -> String {
        guard !rows.isEmpty else { return "no platform replies" }
        let iso = ISO8601DateFormatter()
        return rows.map { r in
            "\(r.messageID)\t\(iso.string(from: r.receivedAt))\t"
                + (r.clusterID.map { "cluster \($0)" } ?? "unmatched") + "\t\(one(r.from ?? "-"))\t"
                + one(r.subject ?? "(no subject)")
        }.joined(separator: "\n")
    }

    static func accountTable(_ rows: [AccountSummary]) -> String {
        guard !rows.isEmpty else { return "no accounts" }
        var lines = ["ACCOUNT                                   POSTS  REPORTERS  REPORTS"]
        for a in rows {
            lines.append(
                pad(one(a.key), 41) + " " + pad(String(a.posts), 6) + " " + pad(String(a.reporters), 10) + " "
                    + String(a.reports))
        }
        return lines.joined(separator: "\n")
    }
}
