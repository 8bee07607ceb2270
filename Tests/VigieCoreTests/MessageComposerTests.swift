import Foundation
import Testing

@testable import VigieCore

@Suite struct MessageComposerTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!
    static let list = ListHeaders(
        listID: "Lettre Vigie <lettre.vigie.example.org>", unsubscribeURLBase: "https://vigie.example.org/u/",
        unsubscribeMailbox: "desabonnement@vigie.example.org", bounceDomain: "vigie.example.org")

    static let newsletter = OutgoingMessage(
        from: MailAddress(name: "Vigie — veille citoyenne", address: "lettre@vigie.example.org"),
        to: MailAddress(name: "Zoé Martin", address: "zoe.martin@example.fr"),
        subject: "Lettre d’information n°12 : les signalements de la semaine et ce que nous en avons fait",
        date: Date(timeIntervalSince1970: 1_710_000_000),
        timeZone: paris,
        messageID: "1710000000.5f3a9c0e1b2d4f68@vigie.example.org",
        headers: list.fields(token: "q7Xk2mZ_a9")!,
        textBody: """
            Bonjour Zoé,

            Cette semaine, 42 signalements ont été reçus = 7 plateformes concernées.
            Une ligne très longue qui dépasse largement les soixante-seize caractères autorisés par ligne en quoted-printable, pour vérifier les coupures douces.
            .
            From here on, a line that mbox would mangle.
            Espaces en fin de ligne   
            À bientôt,
            l’équipe Vigie 📣
            """,
        htmlBody: """
            <!DOCTYPE html>
            <html lang="fr"><body>
            <p>Bonjour Zoé,</p>
            <p>Cette semaine, <strong>42</strong> signalements.</p>
            <p><a href="https://vigie.example.org/u/q7Xk2mZ_a9?source=lettre&amp;n=12">Se désabonner</a></p>
            </body></html>
            """)

    static let acknowledgement = OutgoingMessage(
        from: MailAddress(name: "Vigie", address: "signalements@vigie.example.org"),
        to: MailAddress(name: "Dupont, Jean", address: "jean.dupont@example.org"),
        subject: "Re: Signalement : propos haineux sur un réseau social",
        date: Date(timeIntervalSince1970: 1_720_000_000),
        timeZone: paris,
        messageID: "<1720000000.0123456789abcdef@vigie.example.org>",
        headers: [
            HeaderField(name: "Auto-Submitted", value: "auto-replied"),
            HeaderField(name: "In-Reply-To", value: "<original@example.org>"),
            HeaderField(name: "References", value: "<original@example.org>"),
        ],
        textBody: "Bonjour,\n\nNous avons bien reçu votre signalement. Merci.\n\n-- \nL’équipe Vigie\n")

    static func golden(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "eml", subdirectory: "Golden"))
        return Array(try Data(contentsOf: url))
    }

    /// On a mismatch the actual bytes are written to /tmp for review; the golden file is only ever updated by hand.
    static func expectGolden(_ message: OutgoingMessage, _ name: String) throws {
        let actual = MessageComposer.compose(message)
        let expected = try golden(name)
        if actual != expected {
            try? Data(actual).write(to: URL(fileURLWithPath: "/tmp/vigie-golden-\(name).eml"))
        }
        #expect(actual == expected, "differs from Golden/\(name).eml; actual written to /tmp/vigie-golden-\(name).eml")
    }

    @Test func newsletterMatchesGolden() throws {
        try Self.expectGolden(Self.newsletter, "newsletter-alternative")
    }

    @Test func acknowledgementMatchesGolden() throws {
        try Self.expectGolden(Self.acknowledgement, "acknowledgement-text")
    }

    /// Structural rules checked independently of the golden files.
    @Test(arguments: [newsletter, acknowledgement])
    func wireRules(message: OutgoingMessage) throws {
        let bytes = MessageComposer.compose(message)
        #expect(bytes.allSatisfy { $0 < 0x80 && $0 != 0 })
        // Every CR is followed by LF and every LF preceded by CR.
        for (i, b) in bytes.enumerated() {
            if b == 0x0D { #expect(i + 1 < bytes.count && bytes[i + 1] == 0x0A) }
            if b == 0x0A { #expect(i > 0 && bytes[i - 1] == 0x0D) }
        }
        #expect(bytes.suffix(2) == [0x0D, 0x0A])
        let text = String(decoding: bytes, as: UTF8.self)
        let blank = try #require(text.range(of: "\r\n\r\n"))
        let header = String(text[..<blank.lowerBound])
        let body = String(text[blank.upperBound...])
        let lines = header.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        let names = lines.filter { !$0.hasPrefix(" ") }.map { String($0.prefix { $0 != ":" }) }
        for required in ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"] {
            #expect(names.filter { $0 == required }.count == 1, "\(required) once")
        }
        #expect(!names.contains("Bcc") && !names.contains("Cc"))
        #expect(body.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 && !$0.hasPrefix(".") })
        let unfolded = header.replacingOccurrences(of: "\r\n ", with: " ")
        #expect(unfolded.contains("\r\nMessage-ID: <" + MessageComposer.bareMessageID(message.messageID) + ">\r\n"))
        #expect(
            HeaderDecoder.decode(
                HeaderDecoder.unfoldedValue(
                    unfolded.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject:") }!)) == message.subject)
    }

    @Test func partsDecodeBackToTheBodies() throws {
        let text = MessageComposer.composeString(Self.newsletter)
        let boundary = MessageComposer.boundary(for: MessageComposer.bareMessageID(Self.newsletter.messageID))
        let parts = text.components(separatedBy: "--" + boundary)
        #expect(parts.count == 4)  // preamble, text, html, epilogue after the closing delimiter
        #expect(parts[3] == "--\r\n")
        func body(_ part: String) -> String {
            let content = part.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
            // The CRLF before the next delimiter belongs to the delimiter (RFC 2046 §5.1.1); "\r\n" is one Character.
            let encoded = String(decoding: Array(content.utf8).dropLast(2), as: UTF8.self)
            let decoded = String(decoding: QuotedPrintable.decode(encoded), as: UTF8.self)
            return decoded.replacingOccurrences(of: "\r\n", with: "\n")
        }
        #expect(parts[1].hasPrefix("\r\nContent-Type: text/plain; charset=utf-8\r\n"))
        #expect(parts[2].hasPrefix("\r\nContent-Type: text/html; charset=utf-8\r\n"))
        #expect(body(parts[1]) == Self.newsletter.textBody)
        #expect(body(parts[2]) == Self.newsletter.htmlBody)
    }

    static let hostile = [
        "Hello\r\nBcc: evil@example.net",
        "Hello\nTo: evil@example.net",
        "x\r\n\r\nInjected body",
        "Ève\r\nBcc: evil@example.net",
    ]

    @Test(arguments: hostile)
    func injectionNeverAddsAFieldOrRecipient(hostile: String) {
        var message = Self.acknowledgement
        message.subject = hostile
        message.to = MailAddress(name: hostile, address: "jean@example.org")
        message.from = MailAddress(name: hostile, address: "v@vigie.example.org\r\nBcc: evil@example.net")
        message.headers = [HeaderField(name: "X-Tag" + hostile, value: hostile)]
        let text = MessageComposer.composeString(message)
        let header = String(text[..<text.range(of: "\r\n\r\n")!.lowerBound])
        let names = header.components(separatedBy: "\r\n").filter { !$0.hasPrefix(" ") }.map { $0.prefix { $0 != ":" } }
        #expect(
            names
                == [
                    "From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
                    "X-Tag" + HeaderEncoding.sanitizeName(hostile), "Content-Type", "Content-Transfer-Encoding",
                ].map { Substring($0) })
    }

    @Test func reservedFieldsCannotBeAddedAsExtras() {
        var message = Self.acknowledgement
        message.headers = [
            HeaderField(name: "Bcc", value: "evil@example.net"), HeaderField(name: "to", value: "evil@example.net"),
            HeaderField(name: "Content-Type", value: "text/html"), HeaderField(name: "X-Kept", value: "yes"),
        ]
        let text = MessageComposer.composeString(message)
        #expect(!text.contains("evil@example.net"))
        #expect(!text.contains("text/html"))
        #expect(text.contains("\r\nX-Kept: yes\r\n"))
    }

    @Test(arguments: [
        (1_700_000_000.0, "UTC", "Tue, 14 Nov 2023 22:13:20 +0000"),
        (1_700_000_000, "Europe/Paris", "Tue, 14 Nov 2023 23:13:20 +0100"),
        (1_720_000_000, "Europe/Paris", "Wed, 03 Jul 2024 11:46:40 +0200"),
        (1_700_000_000, "America/New_York", "Tue, 14 Nov 2023 17:13:20 -0500"),
        (1_700_000_000, "Asia/Kolkata", "Wed, 15 Nov 2023 03:43:20 +0530"),
        (0, "UTC", "Thu, 01 Jan 1970 00:00:00 +0000"),
    ])
    func dates(epoch: Double, zone: String, expected: String) {
        #expect(
            RFC5322Date.format(Date(timeIntervalSince1970: epoch), timeZone: TimeZone(identifier: zone)!) == expected)
    }
}
