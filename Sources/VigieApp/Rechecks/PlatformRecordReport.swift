import Foundation
import VigieCore

/// The platforms' record as a file: CSV for spreadsheets, and one self-contained French HTML page with an inline SVG
/// chart for the annual report (the console shows the same page).
public struct PlatformRecordReport: Sendable {
    public let record: PlatformRecord
    public let since: Date?
    public let until: Date?
    /// Offence labels by code (from the offences file); a code without one is shown as is.
    public let offenceLabels: [String: String]
    public let organisation: String

    public init(
        record: PlatformRecord, since: Date?, until: Date?, offenceLabels: [String: String], organisation: String
    ) {
        self.record = record
        self.since = since
        self.until = until
        self.offenceLabels = offenceLabels
        self.organisation = organisation
    }

    /// Days with one decimal, or "" (CSV) when there is no value.
    static func days(_ seconds: Double?) -> String {
        seconds.map { String(format: "%.1f", $0 / 86_400) } ?? ""
    }

    /// RFC 4180: a header line, one line per platform total and per offence, CRLF line ends.
    public func csv() -> String {
        var lines = [
            "platform,offence,notices,removed,removal_rate,median_days,p90_days,still_online_7d,eligible_7d,"
                + "still_online_30d,eligible_30d,no_answer"
        ]
        for l in record.lines {
            let cells: [String] = [
                l.platform.rawValue, l.offence ?? "", String(l.notices), String(l.removed),
                String(format: "%.4f", l.removalRate), Self.days(l.medianSeconds), Self.days(l.p90Seconds),
                String(l.stillOnline7), String(l.eligible7), String(l.stillOnline30), String(l.eligible30),
                String(l.noAnswer),
            ]
            lines.append(cells.map(Self.csvCell).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func csvCell(_ s: String) -> String {
        // A leading = + - @ would be a formula to a spreadsheet: quoted and prefixed.
        let risky = s.first.map { "=+-@".contains($0) } ?? false
        guard risky || s.contains(where: { ",\"\r\n".contains($0) }) else { return s }
        return "\"" + (risky ? "'" : "") + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: - HTML

    /// The page: title, period, the chart of removal rates, the table, and what each column means.
    public func html() -> String {
        let totals = record.totals
        let period = periodText()
        var rows = ""
        for l in record.lines {
            let isTotal = l.offence == nil
            let name =
                isTotal
                ? Self.escape(l.platform.displayName)
                : "<span class=\"off\">"
                    + Self.escape(
                        offenceLabels[l.offence ?? ""]
                            ?? (l.offence?.isEmpty == false ? l.offence! : "sans qualification")) + "</span>"
            let cells: [(String, String)] = [
                ("Notifiés", Self.count(l.notices)), ("Retirés", Self.count(l.removed)),
                ("Taux de retrait", Self.percent(l.removalRate)), ("Délai médian", Self.frenchDays(l.medianSeconds)),
                ("Délai 90 %", Self.frenchDays(l.p90Seconds)),
                ("En ligne à 7 j", Self.ratio(l.stillOnline7, l.eligible7)),
                ("En ligne à 30 j", Self.ratio(l.stillOnline30, l.eligible30)), ("Sans suite", Self.count(l.noAnswer)),
            ]
            rows += "<tr class=\"\(isTotal ? "total" : "offence")\"><th scope=\"row\">\(name)</th>"
            for (label, value) in cells { rows += "<td data-label=\"\(label)\">\(value)</td>" }
            rows += "</tr>\n"
        }
        let notices = totals.reduce(0) { $0 + $1.notices }
        let removed = totals.reduce(0) { $0 + $1.removed }
        let summary =
            notices == 0
            ? "Aucune notification sur la période."
            : "\(Self.count(notices)) contenu\(notices > 1 ? "s" : "") notifié\(notices > 1 ? "s" : "") · "
                + "\(Self.count(removed)) retiré\(removed > 1 ? "s" : "") (\(Self.percent(Double(removed) / Double(notices))))"
        return """
            <!DOCTYPE html>
            <html lang="fr">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Bilan des notifications aux plateformes · \(Self.escape(organisation))</title>
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;margin:0;background:#f6f5f2}
            main{max-width:980px;margin:0 auto;padding:24px 16px 40px}
            h1{font-size:1.5rem;margin:0 0 4px}
            .period{color:#555;margin:0 0 4px}
            .summary{font-weight:600;margin:0 0 20px}
            section{background:#fff;border-radius:10px;padding:16px;margin-bottom:20px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
            h2{font-size:1.1rem;margin:0 0 12px}
            svg{display:block;width:100%;max-width:520px;height:auto}
            .legend{font-size:.85rem;color:#555;margin:8px 0 0}
            .legend span{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin:0 4px 0 10px}
            .scroll{overflow-x:auto}
            table{border-collapse:collapse;width:100%;font-size:.9rem;min-width:640px}
            th,td{padding:6px 8px;border-bottom:1px solid #e4e2dc;text-align:right;white-space:nowrap}
            th[scope=row],thead th:first-child{text-align:left;white-space:normal;min-width:15em}
            thead th{font-weight:600;color:#444;vertical-align:bottom;white-space:normal}
            tr.total th,tr.total td{font-weight:600;background:#faf9f6}
            .off{padding-left:14px;font-weight:400;color:#444}
            dl{font-size:.85rem;color:#444;margin:0}
            dt{font-weight:600;margin-top:6px}
            dd{margin:0}
            footer{font-size:.8rem;color:#777}
            @media (max-width:640px){
            main{padding:16px 10px 32px}
            section{padding:12px}
            table{min-width:0}
            thead{display:none}
            tr{display:block;padding:8px 0;border-bottom:1px solid #e4e2dc}
            th[scope=row]{display:block;border:none;padding:4px 4px 6px;min-width:0}
            td{display:flex;justify-content:space-between;border:none;padding:2px 4px 2px 18px}
            td::before{content:attr(data-label);color:#666;font-weight:400}
            .off{padding-left:0}
            tr.offence th{font-style:italic}
            }
            </style>
            </head>
            <body>
            <main>
            <h1>Bilan des notifications aux plateformes</h1>
            <p class="period">\(Self.escape(organisation)) · \(period)</p>
            <p class="summary">\(summary)</p>
            <section>
            <h2>Taux de retrait par plateforme</h2>
            \(chart(totals))
            <p class="legend"><span style="background:#2f6f4f"></span>retirés<span style="background:#d8d4ca"></span>toujours en ligne ou sans suite</p>
            </section>
            <section>
            <h2>Détail par plateforme et par infraction</h2>
            <div class="scroll">
            <table>
            <thead><tr><th>Plateforme / infraction</th><th>Notifiés</th><th>Retirés</th><th>Taux de retrait</th><th>Délai médian</th><th>Délai 90&nbsp;%</th><th>En ligne à 7&nbsp;j</th><th>En ligne à 30&nbsp;j</th><th>Sans suite</th></tr></thead>
            <tbody>
            \(rows)</tbody>
            </table>
            </div>
            </section>
            <section>
            <h2>Définitions</h2>
            <dl>
            <dt>Notifiés</dt><dd>Contenus notifiés pour la première fois à la plateforme pendant la période.</dd>
            <dt>Retirés, délais</dt><dd>Contenus retirés depuis (constat d'un modérateur ou deux vérifications automatiques à plus d'une heure d'intervalle) ; délai entre la notification et le retrait : médiane et 90<sup>e</sup> centile, en jours.</dd>
            <dt>En ligne à 7 j / 30 j</dt><dd>Parmi les contenus notifiés depuis au moins 7 (30) jours, ceux qui n'avaient pas été retirés 7 (30) jours après la notification.</dd>
            <dt>Sans suite</dt><dd>Contenus notifiés pour lesquels rien n'a été constaté depuis : ni retrait, ni maintien en ligne relevé par un modérateur.</dd>
            </dl>
            </section>
            <footer>Établi par Vigie le \(Self.frenchDate(Date(), withTime: true)), arrêté au \(Self.frenchDate(record.asOf, withTime: true)).</footer>
            </main>
            </body>
            </html>

            """
    }

    /// Horizontal bars, one per platform: notices in full width, the removed part in green, the rate at the end.
    func chart(_ totals: [PlatformRecord.Line]) -> String {
        guard !totals.isEmpty else { return "<p>Aucune donnée.</p>" }
        let rowHeight = 30.0
        let labelWidth = 92.0
        let width = 360.0
        let barWidth = width - labelWidth - 48
        let height = rowHeight * Double(totals.count) + 8
        var out = """
            <svg viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="Taux de retrait par plateforme" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" font-size="13">
            """
        for (i, l) in totals.enumerated() {
            let y = Double(i) * rowHeight + 6
            let removed = barWidth * l.removalRate
            out +=
                "\n<text x=\"0\" y=\"\(Self.n(y + 15))\" fill=\"#1d1d1f\">\(Self.escape(Self.short(l.platform.displayName)))</text>"
            out +=
                "<rect x=\"\(Self.n(labelWidth))\" y=\"\(Self.n(y))\" width=\"\(Self.n(barWidth))\" height=\"20\" rx=\"3\" fill=\"#d8d4ca\"/>"
            if removed > 0 {
                out +=
                    "<rect x=\"\(Self.n(labelWidth))\" y=\"\(Self.n(y))\" width=\"\(Self.n(removed))\" height=\"20\" rx=\"3\" fill=\"#2f6f4f\"/>"
            }
            out +=
                "<text x=\"\(Self.n(labelWidth + barWidth + 8))\" y=\"\(Self.n(y + 15))\" fill=\"#1d1d1f\" font-weight=\"600\">\(Self.percent(l.removalRate))</text>"
            out +=
                "<title>\(Self.escape(l.platform.displayName)) : \(l.removed) retirés sur \(l.notices) notifiés</title>"
        }
        return out + "\n</svg>"
    }

    private func periodText() -> String {
        switch (since, until) {
        case (let s?, let u?): return "du \(Self.frenchDate(s)) au \(Self.frenchDate(u.addingTimeInterval(-1)))"
        case (let s?, nil): return "depuis le \(Self.frenchDate(s))"
        case (nil, let u?): return "jusqu'au \(Self.frenchDate(u.addingTimeInterval(-1)))"
        case (nil, nil): return "toutes les notifications"
        }
    }

    /// The display name without its parenthesis ("X (anciennement Twitter)" → "X"): the chart's labels are short.
    static func short(_ name: String) -> String {
        name.split(separator: "(").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? name
    }

    static func percent(_ rate: Double) -> String { "\(Int((rate * 100).rounded()))\u{a0}%" }

    static func frenchDays(_ seconds: Double?) -> String {
        guard let seconds else { return "—" }
        return String(format: "%.1f", seconds / 86_400).replacingOccurrences(of: ".", with: ",") + "\u{a0}j"
    }

    static func ratio(_ n: Int, _ of: Int) -> String { of == 0 ? "—" : "\(count(n)) / \(count(of))" }

    /// `12 345` (French grouping, a narrow no-break space).
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "\u{202f}" }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func n(_ v: Double) -> String { String(format: "%.1f", v) }

    static func frenchDate(_ d: Date, withTime: Bool = false) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "fr_FR")
        f.timeZone = TimeZone(identifier: "Europe/Paris")
        f.dateFormat = withTime ? "d MMMM yyyy 'à' HH:mm" : "d MMMM yyyy"
        return f.string(from: d)
    }

    static func escape(_ s: String) -> String { NewsletterRenderer.escape(s) }
}
