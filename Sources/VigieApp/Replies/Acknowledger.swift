import Foundation
import Logging
import VigieCore
import VigieMail
import VigieStore

/// Writes what citizens are owed: an acknowledgement of each report, and a notice when what they reported is removed.
///
/// Messages are composed once, at enqueue (the outbox sends those bytes), from the French templates
/// `acknowledgement.{txt,html}` and `outcome.{txt,html}`. Each carries only the citizen's own report: never another
/// reporter. Envelope sender null (`<>`, RFC 3834 §3.3), so nothing answers an answer.
public struct Acknowledger: Sendable {
    public let settings: AcknowledgementSettings
    let organisation: VigieConfig.Organisation
    let clusters: ClusterSettings
    let acknowledgement: (text: LoadedTemplate, html: LoadedTemplate)
    let outcome: (text: LoadedTemplate, html: LoadedTemplate)?
    let logger: Logger

    /// The links listed in one acknowledgement at most; a longer list ends with how many were left out.
    static let maxListedLinks = 30

    /// Loads the templates now, so a missing one stops the command at start.
    public init(
        settings: AcknowledgementSettings, organisation: VigieConfig.Organisation, clusters: ClusterSettings,
        templates: TemplateRenderer, logger: Logger
    ) throws {
        self.settings = settings
        self.organisation = organisation
        self.clusters = clusters
        self.acknowledgement = (try templates.load("acknowledgement.txt"), try templates.load("acknowledgement.html"))
        self.outcome =
            settings.notifyOutcome
            ? (try templates.load("outcome.txt"), try templates.load("outcome.html")) : nil
        self.logger = logger
    }

    // MARK: - Acknowledgements

    /// The acknowledgements owed by these parse outcomes: one per citizen report the policy lets us answer. Reports
    /// it refuses (robot, own or list address) are logged by id with the reason.
    public func batch(
        for outcomes: [ParseOutcome], receivedAt: [Int64: Date], now: Date = Date()
    )
        -> AcknowledgementBatch
    {
        var items: [OutboxItem] = []
        for o in outcomes where o.status == .parsed {
            guard let parsed = o.parsed else { continue }
            switch settings.policy.decide(parsed) {
            case .send(let to):
                items.append(
                    acknowledgementItem(
                        reportID: o.messageID, receivedAt: receivedAt[o.messageID] ?? now,
                        message: parsed, urls: o.urls, to: to, now: now))
            case .skip(let why):
                logger.info("report \(o.messageID): no acknowledgement: \(why)")
            }
        }
        return AcknowledgementBatch(items: items, interval: interval, now: now)
    }

    /// The interval rule of `min_interval_hours`.
    public var interval: AcknowledgementInterval {
        AcknowledgementInterval(hours: settings.minIntervalHours, timeZone: settings.timeZone)
    }

    /// The acknowledgement of one report, composed.
    public func acknowledgementItem(
        reportID: Int64, receivedAt: Date, message: ParsedMessage, urls: [String],
        to: String, now: Date
    ) -> OutboxItem {
        let outgoing = acknowledgementMessage(
            reportID: reportID, receivedAt: receivedAt, message: message,
            urls: urls, to: to, now: now)
        return OutboxItem(
            kind: .acknowledgement, queue: settings.queue, dedupeKey: "ack:report:\(reportID)",
            recipient: to, envelopeFrom: "", messageID: outgoing.messageID,
            bytes: MessageComposer.compose(outgoing), subjectRef: "report:\(reportID)")
    }

    /// The acknowledgement as a message, before composition.
    func acknowledgementMessage(
        reportID: Int64, receivedAt: Date, message: ParsedMessage, urls: [String],
        to: String, now: Date
    ) -> OutgoingMessage {
        let reference = ReportReference(id: reportID, receivedAt: receivedAt, timeZone: settings.timeZone)
        let links = urls.prefix(Self.maxListedLinks).map { ["platform": platformName(of: $0), "url": Self.shown($0)] }
        let more = urls.count - links.count
        let context: [String: Any] = [
            "reference": reference.description, "received_long": longDateTime(receivedAt),
            "organisation": organisation.name, "website": organisation.website ?? false,
            "privacy_contact": organisation.email ?? false, "notify_outcome": settings.notifyOutcome,
            "links": links, "has_links": !links.isEmpty,
            "more_links": more > 1
                ? "\(more) autres liens, tous enregistrés"
                : more == 1 ? "un autre lien, enregistré lui aussi" : false,
        ]
        var headers = Self.replyHeaders(to: message.messageID)
        headers.append(HeaderField(name: "Auto-Submitted", value: "auto-replied"))
        headers.append(HeaderField(name: "X-Auto-Response-Suppress", value: "All"))
        return OutgoingMessage(
            from: settings.from, to: MailAddress(address: to), subject: "\(settings.subject) (\(reference))",
            date: now, timeZone: settings.timeZone, messageID: Self.messageID("ack.\(reportID)", from: settings.from),
            headers: headers, textBody: acknowledgement.text.render(context),
            htmlBody: acknowledgement.html.render(context))
    }

    // MARK: - Outcome notices

    /// One notice per distinct reporter of a removed cluster whom the policy lets us answer (their first report of
    /// it is the one answered); nil when `notify_outcome` is off.
    public func outcomeNotices(
        clusterID: Int64, reporters: [ClusterReporterReport], now: Date = Date()
    )
        -> [OutboxItem]
    {
        guard let outcome else { return [] }
        var items: [OutboxItem] = []
        for r in reporters {
            let parsed: ParsedMessage
            do {
                parsed = try MessageParser.parse(r.raw)
            } catch {
                logger.warning("cluster \(clusterID): report \(r.reportID) no longer parses (\(error)); no notice")
                continue
            }
            let to: String
            switch settings.policy.decide(parsed) {
            case .send(let address): to = address
            case .skip(let why):
                logger.info("cluster \(clusterID): report \(r.reportID): no outcome notice: \(why)")
                continue
            }
            let outgoing = outcomeMessage(
                clusterID: clusterID, report: r, message: parsed, to: to, now: now,
                templates: outcome)
            items.append(
                OutboxItem(
                    kind: .outcome, queue: settings.queue,
                    dedupeKey: "outcome:cluster:\(clusterID):\(r.reporter)", recipient: to,
                    envelopeFrom: "", messageID: outgoing.messageID,
                    bytes: MessageComposer.compose(outgoing), subjectRef: "cluster:\(clusterID)"))
        }
        return items
    }

    /// One outcome notice as a message, before composition.
    func outcomeMessage(
        clusterID: Int64, report r: ClusterReporterReport, message parsed: ParsedMessage, to: String,
        now: Date, templates outcome: (text: LoadedTemplate, html: LoadedTemplate)
    ) -> OutgoingMessage {
        let reference = ReportReference(id: r.reportID, receivedAt: r.receivedAt, timeZone: settings.timeZone)
        let context: [String: Any] = [
            "reference": reference.description, "reported_on": longDate(r.receivedAt),
            "organisation": organisation.name, "website": organisation.website ?? false,
            "privacy_contact": organisation.email ?? false,
            "links": r.urls.prefix(Self.maxListedLinks).map {
                [
                    "platform": platformName(of: $0),
                    "url": Self.shown($0),
                ]
            },
        ]
        var headers = Self.replyHeaders(to: parsed.messageID)
        headers.append(HeaderField(name: "Auto-Submitted", value: "auto-generated"))
        headers.append(HeaderField(name: "X-Auto-Response-Suppress", value: "All"))
        return OutgoingMessage(
            from: settings.from, to: MailAddress(address: to),
            subject: "Le contenu que vous avez signalé a été retiré (\(reference))", date: now,
            timeZone: settings.timeZone,
            messageID: Self.messageID("outcome.\(clusterID).\(r.reportID)", from: settings.from),
            headers: headers, textBody: outcome.text.render(context), htmlBody: outcome.html.render(context))
    }

    // MARK: - Pieces

    /// `In-Reply-To` and `References` naming the citizen's message, when it had a usable Message-ID.
    static func replyHeaders(to messageID: String?) -> [HeaderField] {
        guard let raw = messageID else { return [] }
        let id = HeaderEncoding.sanitizeAddress(raw)
        guard !id.isEmpty, id.count <= 250 else { return [] }
        return [HeaderField(name: "In-Reply-To", value: "<\(id)>"), HeaderField(name: "References", value: "<\(id)>")]
    }

    /// A Message-ID of ours: a readable prefix, a random part, the sender's domain.
    static func messageID(_ prefix: String, from: MailAddress) -> String {
        let domain = from.address.split(separator: "@").last.map { String($0).lowercased() } ?? "localhost"
        return "\(prefix).\(String(UInt64.random(in: 0...UInt64.max), radix: 36))@\(domain)"
    }

    /// The platform's name as a citizen reads it ("X (anciennement Twitter)", "Site web", "Lien raccourci").
    func platformName(of url: String) -> String {
        let rules = clusters.identityRules
        let name: String
        if ShortLinks.isShortLink(ContentIdentifier.unwrapped(url, rules: rules), extraHosts: clusters.shortLinkHosts) {
            name = "lien raccourci"
        } else {
            name = ContentIdentifier.identify(url, rules: rules)?.platform.displayName ?? "lien"
        }
        return name.prefix(1).uppercased() + name.dropFirst()
    }

    /// A URL as listed: as the citizen wrote it, cut when very long.
    static func shown(_ url: String) -> String {
        url.count <= 200 ? url : String(url.prefix(199)) + "…"
    }

    func longDateTime(_ date: Date) -> String { format(date, "EEEE d MMMM yyyy 'à' HH'h'mm") }

    func longDate(_ date: Date) -> String { format(date, "EEEE d MMMM yyyy") }

    private func format(_ date: Date, _ pattern: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "fr_FR")
        f.timeZone = settings.timeZone
        f.dateFormat = pattern
        return f.string(from: date)
    }
}
