import Foundation

/// One daily edition: the institution's news and positions, then a press review.
public struct Edition: Sendable, Equatable {
    /// Kinds of news items, as written in the edition file.
    public enum NewsKind: String, Sendable, CaseIterable {
        case communique = "communiqué"
        case edito = "édito"
        case opinion
        case evenement = "événement"
        case compteRendu = "compte-rendu"

        /// The label shown to readers.
        public var label: String {
            switch self {
            case .communique: return "Communiqué"
            case .edito: return "Édito"
            case .opinion: return "Opinion"
            case .evenement: return "Événement"
            case .compteRendu: return "Compte rendu"
            }
        }
    }

    /// An item of part one.
    public struct NewsItem: Sendable, Equatable {
        public var kind: NewsKind
        public var title: String
        public var summary: String
        public var url: String
    }

    /// An article of the press review.
    public struct PressItem: Sendable, Equatable {
        public var title: String
        public var source: String
        public var url: String
        /// ISO 639-1 code of the article's language (`fr`, `en`, `de`, …).
        public var language: String
        public var excerpt: String?
    }

    public var id: String
    public var subject: String
    public var date: String
    public var news: [NewsItem]
    public var press: [PressItem]
    /// When `serve` should send it (`send_at`, offset or local date-time); nil: sent when `newsletter send` runs.
    public var sendAt: TOMLDateTime? = nil

    /// Reads an edition file; errors name the file, the item and the key.
    public static func parse(_ text: String, file: String) throws -> Edition {
        let table: TOMLTable
        do {
            table = try TOML.parse(text)
        } catch {
            throw ConfigError("\(file): \(error)")
        }
        let r = TOMLReader(table: table, file: file)
        let id = try r.requiredString("id")
        guard !id.isEmpty, id.count <= 100,
            id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else {
            throw ConfigError(
                "\(file): key \"id\" must be letters, digits, '-', '_' or '.' (e.g. \"2026-11-21\"); "
                    + "found \(SafeText.quoted(id))")
        }
        let subject = try r.requiredString("subject")
        guard !subject.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ConfigError("\(file): key \"subject\" is empty")
        }
        let date = try dateText(r.value("date"), file: file)
        let sendAt = try sendAtValue(r.value("send_at"), file: file)
        var news: [NewsItem] = []
        for (i, n) in try r.tables("news").enumerated() {
            let kindText = try n.requiredString("kind")
            guard let kind = NewsKind(rawValue: kindText.lowercased()) else {
                throw ConfigError(
                    "\(file): [[news]] #\(i + 1): kind must be one of "
                        + NewsKind.allCases.map(\.rawValue).joined(separator: ", ") + "; found "
                        + SafeText.quoted(kindText))
            }
            news.append(
                NewsItem(
                    kind: kind, title: try n.requiredString("title"),
                    summary: try n.string("summary") ?? "", url: try httpURL(n, file: file, item: "[[news]] #\(i + 1)"))
            )
            try n.finish()
        }
        var press: [PressItem] = []
        for (i, p) in try r.tables("press").enumerated() {
            let language = try p.requiredString("language").lowercased()
            guard language.count >= 2, language.count <= 8, language.allSatisfy({ $0.isLetter || $0 == "-" }) else {
                throw ConfigError(
                    "\(file): [[press]] #\(i + 1): language must be a code such as fr, en, de; found "
                        + "\(SafeText.quoted(language))")
            }
            press.append(
                PressItem(
                    title: try p.requiredString("title"), source: try p.requiredString("source"),
                    url: try httpURL(p, file: file, item: "[[press]] #\(i + 1)"), language: language,
                    excerpt: try p.string("excerpt")))
            try p.finish()
        }
        try r.finish()
        guard !news.isEmpty || !press.isEmpty else {
            throw ConfigError("\(file): the edition has no [[news]] and no [[press]] item")
        }
        return Edition(id: id, subject: subject, date: date, news: news, press: press, sendAt: sendAt)
    }

    private static func sendAtValue(_ value: TOMLValue?, file: String) throws -> TOMLDateTime? {
        guard let value else { return nil }
        if let d = value.datetimeValue, d.kind == .offsetDateTime || d.kind == .localDateTime { return d }
        let found =
            value.stringValue.map(SafeText.quoted) ?? value.datetimeValue.map { SafeText.quoted($0.text) }
            ?? value.typeName
        throw ConfigError(
            "\(file): key \"send_at\" must be a date and time, local or with an offset (e.g. "
                + "send_at = 2026-11-21T07:30:00 or 2026-11-21T07:30:00+01:00); found \(found)")
    }

    private static func dateText(_ value: TOMLValue?, file: String) throws -> String {
        guard let value else { throw ConfigError("\(file): missing required key \"date\" (e.g. date = 2026-11-21)") }
        if let d = value.datetimeValue, d.day != nil { return d.text }
        if let t = value.stringValue, isCalendarDate(t) { return t }
        let found =
            value.stringValue.map(SafeText.quoted) ?? value.datetimeValue.map { SafeText.quoted($0.text) }
            ?? value.typeName
        throw ConfigError(
            "\(file): key \"date\" must be a calendar date written YYYY-MM-DD (e.g. date = 2026-11-21); "
                + "found \(found)")
    }

    /// `YYYY-MM-DD` naming a real day of the Gregorian calendar (no 2026-13-45, no 2026-02-30).
    static func isCalendarDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m)
        else { return false }
        return (1...TOMLDateTime.daysInMonth(year: y, month: m)).contains(d)
    }

    private static func httpURL(_ r: TOMLReader, file: String, item: String) throws -> String {
        let url = try r.requiredString("url").trimmingCharacters(in: .whitespaces)
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), url.count > 10, !url.contains(" ") else {
            throw ConfigError("\(file): \(item): url must be an http(s) address; found \(SafeText.quoted(url))")
        }
        return url
    }
}
