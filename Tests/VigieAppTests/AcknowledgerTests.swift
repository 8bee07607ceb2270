import Foundation
import Logging
import Testing
import VigieCore
import VigieStore

@testable import VigieApp

/// What a citizen receives, composed from the shipped templates: headers (RFC 3834), reference, links, no one else.
@Suite struct AcknowledgerTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let paris = TimeZone(identifier: "Europe/Paris")!
    /// 2026-12-02 08:00 UTC, 09:00 in Paris.
    static let t0 = Date(timeIntervalSince1970: 1_796_198_400)

    static func acknowledger(notifyOutcome: Bool = true, log: CapturedLog = CapturedLog()) throws -> Acknowledger {
        let settings = AcknowledgementSettings(
            queue: "acknowledgements", file: "queues/acknowledgements.toml",
            from: MailAddress(name: "Signalements", address: "signalements@example.org"),
            subject: AcknowledgementSettings.defaultSubject, minIntervalHours: 24, notifyOutcome: notifyOutcome,
            timeZone: paris,
            policy: AcknowledgementPolicy(ownAddresses: ["signalements@example.org"], ownDomains: ["example.org"]))
        let organisation = VigieConfig.Organisation(
            name: "Institution — pôle numérique",
            email: "signalements@example.org", postalAddress: nil,
            website: "https://www.example.org", ownHosts: ["example.org"])
        return try Acknowledger(
            settings: settings, organisation: organisation, clusters: ClusterSettings(),
            templates: TemplateRenderer(directory: root + "/templates"), logger: log.logger())
    }

    static func report(
        from: String = "camille@exemple.fr", replyTo: String? = nil,
        messageID: String? = "r1@exemple.fr"
    ) -> ParsedMessage {
        var m = ParsedMessage()
        m.from = MailAddress(name: "Camille", address: from)
        m.replyTo = replyTo.map { [MailAddress(address: $0)] } ?? []
        m.messageID = messageID
        m.subject = "Signalement"
        return m
    }

    static func header(_ name: String, in bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        return head.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ": ") }
            .map { String($0.dropFirst(name.count + 2)) }
    }

    @Test func anAcknowledgementAnswersTheReportWithItsReferenceAndLinks() throws {
        let ack = try Self.acknowledger()
        let urls = [
            "https://x.com/troll/status/1790000000000000001?s=20", "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://bit.ly/3abcDEF", "https://blog.exemple.net/billet",
        ]
        let m = ack.acknowledgementMessage(
            reportID: 123, receivedAt: Self.t0, message: Self.report(), urls: urls,
            to: "camille@exemple.fr", now: Self.t0)
        #expect(m.subject == "Votre signalement a bien été reçu (SIG-2026-000123)")
        #expect(m.to.address == "camille@exemple.fr")
        #expect(m.from.address == "signalements@example.org")
        #expect(m.headers.contains(HeaderField(name: "In-Reply-To", value: "<r1@exemple.fr>")))
        #expect(m.headers.contains(HeaderField(name: "References", value: "<r1@exemple.fr>")))
        #expect(m.headers.contains(HeaderField(name: "Auto-Submitted", value: "auto-replied")))
        #expect(m.messageID.hasPrefix("ack.123.") && m.messageID.hasSuffix("@example.org"))
        for body in [m.textBody, try #require(m.htmlBody)] {
            #expect(body.contains("SIG-2026-000123"))
            #expect(body.contains("mercredi 2 décembre 2026 à 09h00"))
            #expect(body.contains("X (anciennement Twitter)"))
            #expect(body.contains("YouTube"))
            #expect(body.contains("Lien raccourci"))
            #expect(body.contains("Site web"))
            #expect(body.contains("https://x.com/troll/status/1790000000000000001?s=20"))
            #expect(body.contains("Et maintenant"))
            #expect(body.contains("Vos données"))
            #expect(body.contains("nous vous en informerons"))  // notify_outcome on
            #expect(!body.contains("aucun lien"))
            #expect(!body.contains("{{"))
        }
        // The composed bytes carry the same headers, and the null envelope sender.
        let item = ack.acknowledgementItem(
            reportID: 123, receivedAt: Self.t0, message: Self.report(), urls: urls,
            to: "camille@exemple.fr", now: Self.t0)
        #expect(item.envelopeFrom == "")
        #expect(item.dedupeKey == "ack:report:123")
        #expect(item.subjectRef == "report:123")
        #expect(item.kind == .acknowledgement)
        #expect(Self.header("In-Reply-To", in: item.bytes) == "<r1@exemple.fr>")
        #expect(Self.header("Auto-Submitted", in: item.bytes) == "auto-replied")
        #expect(Self.header("Message-ID", in: item.bytes) == "<\(item.messageID)>")
        #expect(Self.header("To", in: item.bytes) == "<camille@exemple.fr>")
        #expect(Self.header("Precedence", in: item.bytes) == nil)
    }

    @Test(arguments: [(31, "un autre lien, enregistré lui aussi"), (45, "15 autres liens, tous enregistrés")])
    func aLongListSaysHowManyLinksAreNotShown(count: Int, tail: String) throws {
        let ack = try Self.acknowledger()
        let urls = (1...count).map { "https://exemple.net/page/\($0)" }
        let m = ack.acknowledgementMessage(
            reportID: 8, receivedAt: Self.t0, message: Self.report(), urls: urls,
            to: "camille@exemple.fr", now: Self.t0)
        for body in [m.textBody, try #require(m.htmlBody)] {
            #expect(body.contains("https://exemple.net/page/30"))
            #expect(!body.contains("https://exemple.net/page/31"))
            #expect(body.contains("et \(tail)"))
        }
    }

    @Test func aReportWithoutLinksIsToldHowToSendOne() throws {
        let ack = try Self.acknowledger(notifyOutcome: false)
        let m = ack.acknowledgementMessage(
            reportID: 7, receivedAt: Self.t0, message: Self.report(messageID: nil),
            urls: [], to: "camille@exemple.fr", now: Self.t0)
        for body in [m.textBody, try #require(m.htmlBody)] {
            #expect(body.contains("aucun lien"))
            #expect(body.contains("SIG-2026-000007"))
            #expect(!body.contains("Les liens"))
            #expect(!body.contains("nous vous en informerons"))  // notify_outcome off: no promise
        }
        // No Message-ID to answer: no threading headers, still auto-replied.
        #expect(!m.headers.contains { $0.name == "In-Reply-To" || $0.name == "References" })
        #expect(m.headers.contains(HeaderField(name: "Auto-Submitted", value: "auto-replied")))
    }

    @Test func aHostileMessageIDCannotInjectHeaders() throws {
        let ack = try Self.acknowledger()
        let item = ack.acknowledgementItem(
            reportID: 9, receivedAt: Self.t0,
            message: Self.report(messageID: "a@b>\r\nBcc: victim@x.fr"), urls: [],
            to: "camille@exemple.fr", now: Self.t0)
        let text = String(decoding: item.bytes, as: UTF8.self)
        #expect(!text.contains("\r\nBcc:"))
        #expect(Self.header("In-Reply-To", in: item.bytes) == "<a@bBcc:victim@x.fr>")
    }

    @Test func theBatchAnswersTheReplyToAndSkipsRobotsWithIdsInTheLog() throws {
        let log = CapturedLog()
        let ack = try Self.acknowledger(log: log)
        func outcome(_ id: Int64, _ m: ParsedMessage) -> ParseOutcome {
            ParseOutcome(messageID: id, status: .parsed, parsed: m, urls: [], automaticReason: nil, error: nil)
        }
        let batch = ack.batch(
            for: [
                outcome(1, Self.report(from: "camille@exemple.fr", replyTo: "camille.perso@exemple.fr")),
                outcome(2, Self.report(from: "noreply@service.fr")),
                outcome(3, Self.report(from: "accueil@example.org")),
                ParseOutcome(
                    messageID: 4, status: .automatic, parsed: Self.report(), urls: [],
                    automaticReason: "Auto-Submitted", error: nil),
            ], receivedAt: [:], now: Self.t0)
        #expect(batch.items.map(\.dedupeKey) == ["ack:report:1"])
        #expect(batch.items.map(\.recipient) == ["camille.perso@exemple.fr"])
        let info = log.messages(at: .info)
        #expect(info.contains("report 2: no acknowledgement: robot or role address (noreply@…)"))
        #expect(info.contains("report 3: no acknowledgement: one of the institution's own addresses"))
        #expect(!log.messages.joined().contains("camille"), "an address was logged")
    }

    @Test func anOutcomeNoticeTellsTheCitizenOnlyAboutTheirOwnReport() throws {
        let ack = try Self.acknowledger()
        let raw = Array(
            "From: Camille <camille@exemple.fr>\r\nTo: signalements@example.org\r\nSubject: x\r\nMessage-ID: <r5@exemple.fr>\r\n\r\nhttps://x.com/troll/status/1790000000000000001\r\n"
                .utf8)
        let reporters = [
            ClusterReporterReport(
                reporter: "camille@exemple.fr", reportID: 5, receivedAt: Self.t0, raw: raw,
                urls: ["https://x.com/troll/status/1790000000000000001"])
        ]
        let items = ack.outcomeNotices(clusterID: 12, reporters: reporters, now: Self.t0.addingTimeInterval(86_400 * 9))
        let item = try #require(items.first)
        #expect(items.count == 1)
        #expect(item.dedupeKey == "outcome:cluster:12:camille@exemple.fr")
        #expect(item.kind == .outcome)
        #expect(item.envelopeFrom == "")
        #expect(Self.header("Auto-Submitted", in: item.bytes) == "auto-generated")
        #expect(Self.header("In-Reply-To", in: item.bytes) == "<r5@exemple.fr>")
        let m = ack.outcomeMessage(
            clusterID: 12, report: reporters[0], message: Self.report(messageID: "r5@exemple.fr"),
            to: "camille@exemple.fr", now: Self.t0, templates: try #require(ack.outcome))
        for body in [m.textBody, try #require(m.htmlBody)] {
            #expect(body.contains("signalé le mercredi 2 décembre 2026 a été retiré"))
            #expect(body.contains("SIG-2026-000005"))
            #expect(body.contains("https://x.com/troll/status/1790000000000000001"))
            #expect(!body.contains("{{"))
        }
        // notify_outcome off: nothing.
        #expect(try Self.acknowledger(notifyOutcome: false).outcomeNotices(clusterID: 12, reporters: reporters).isEmpty)
    }
}
