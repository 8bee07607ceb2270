import Foundation
import VigieCore

/// Renders an edition through the newsletter templates once, then composes each subscriber's message from it.
public struct NewsletterRenderer: Sendable {
    /// Per-recipient values, by slot.
    enum Slot: Int, CaseIterable {
        case greeting, email, unsubscribeURL
        var marker: String { "VIGIESLOT\(rawValue)XQZ" }
    }

    let edition: Edition
    let settings: NewsletterSettings
    let tokens: UnsubscribeTokens
    let prepared: PreparedMessage
    let shared: PreparedMessage.SharedHeaders
    let timeZone: TimeZone
    let organisation: VigieConfig.Organisation
    let messageIDDomain: String

    public init(
        edition: Edition, settings: NewsletterSettings, organisation: VigieConfig.Organisation,
        templates: TemplateRenderer
    ) throws {
        self.edition = edition
        self.settings = settings
        self.organisation = organisation
        tokens = try UnsubscribeTokens(secret: settings.secret, listID: settings.list.listID)
        let context = Self.context(edition: edition, organisation: organisation)
        let text = try templates.render("newsletter.txt", context)
        let html = try templates.render("newsletter.html", context)
        for slot in Slot.allCases where slot != .email && !(text.contains(slot.marker) && html.contains(slot.marker)) {
            if slot == .unsubscribeURL {
                throw ConfigError(
                    "templates newsletter.txt/html must both show {{unsubscribe_url}}: every "
                        + "newsletter carries a visible unsubscribe link")
            }
        }
        prepared = PreparedMessage(text: text, html: html, markers: Slot.allCases.map(\.marker))
        shared = PreparedMessage.SharedHeaders(from: settings.from, subject: edition.subject)
        timeZone = TimeZone(identifier: "Europe/Paris") ?? .current
        messageIDDomain = NewsletterSettings.domain(of: settings.from.address)
    }

    /// The message one subscriber gets, with its envelope sender and Message-ID.
    public func message(
        subscriberID: Int64, email: String, name: String?, salt: Int, date: Date = Date()
    )
        -> (envelopeFrom: String, messageID: String, bytes: [UInt8])
    {
        let token = tokens.token(subscriberID: subscriberID, salt: salt)
        var base = settings.list.unsubscribeURLBase
        if !base.hasSuffix("/") { base += "/" }
        let unsubscribe = base + token
        let greeting = name.map { "Bonjour \($0)," } ?? "Bonjour,"
        let messageID =
            "\(edition.id).\(String(subscriberID, radix: 36)).\(UInt32.random(in: 0...UInt32.max))@"
            + messageIDDomain
        let headers = settings.list.fields(token: token) ?? []
        let bytes = prepared.compose(
            shared: shared, to: MailAddress(name: name, address: email), date: date, timeZone: timeZone,
            messageID: messageID, headers: headers,
            textValues: [greeting, email, unsubscribe],
            htmlValues: [Self.escape(greeting), Self.escape(email), Self.escape(unsubscribe)])
        let envelope = settings.list.envelopeSender(token: token) ?? settings.from.address
        return (envelope, messageID, bytes)
    }

    static func context(edition: Edition, organisation: VigieConfig.Organisation) -> [String: Any] {
        let news: [[String: Any]] = edition.news.map {
            [
                "kind": $0.kind.rawValue, "kind_label": $0.kind.label, "title": $0.title, "summary": $0.summary,
                "url": $0.url,
            ]
        }
        let press: [[String: Any]] = edition.press.map {
            [
                "title": $0.title, "source": $0.source, "url": $0.url, "language": $0.language,
                "language_label": languageLabel($0.language) ?? false, "excerpt": $0.excerpt ?? false,
            ]
        }
        let preheader = (edition.news.first?.title ?? edition.press.first?.title ?? edition.subject)
        return [
            "subject": edition.subject, "date": edition.date, "date_long": longDate(edition.date),
            "organisation": organisation.name, "website": organisation.website ?? false,
            "news": news, "press": press, "has_news": !news.isEmpty, "has_press": !press.isEmpty,
            "preheader": preheader,
            "greeting": Slot.greeting.marker, "email": Slot.email.marker, "unsubscribe_url": Slot.unsubscribeURL.marker,
        ]
    }

    /// "samedi 21 novembre 2026" from "2026-11-21" (the text as given when it is not a date).
    static func longDate(_ iso: String) -> String {
        let parse = DateFormatter()
        parse.locale = Locale(identifier: "en_US_POSIX")
        parse.timeZone = TimeZone(identifier: "Europe/Paris")
        parse.dateFormat = "yyyy-MM-dd"
        guard let d = parse.date(from: String(iso.prefix(10))) else { return iso }
        let out = DateFormatter()
        out.locale = Locale(identifier: "fr_FR")
        out.timeZone = parse.timeZone
        out.dateFormat = "EEEE d MMMM yyyy"
        return out.string(from: d)
    }

    static func languageLabel(_ code: String) -> String? {
        let names = [
            "en": "en anglais", "de": "en allemand", "es": "en espagnol", "it": "en italien",
            "ar": "en arabe", "pt": "en portugais", "nl": "en néerlandais", "pl": "en polonais",
            "he": "en hébreu", "ru": "en russe", "uk": "en ukrainien", "tr": "en turc",
        ]
        let base = String(code.prefix(2))
        if base == "fr" { return nil }
        return names[base] ?? "langue : \(code)"
    }

    static func escape(_ s: String) -> String {
        // Most values (addresses, unsubscribe links) have nothing to escape.
        if !s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) {
            return s
        }
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
