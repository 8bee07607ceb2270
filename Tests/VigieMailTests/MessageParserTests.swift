import Foundation
import Testing
import VigieCore

@testable import VigieMail

/// Reads one of the `.eml` fixtures shipped with this test target.
func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "eml", subdirectory: "Fixtures"))
    return Array(try Data(contentsOf: url))
}

func parseFixture(_ name: String) throws -> ParsedMessage {
    try MessageParser.parse(fixture(name))
}

struct HeaderCase: Sendable, CustomTestStringConvertible {
    var file: String
    var fromName: String?
    var fromAddress: String?
    var subject: String?
    var messageID: String?
    var epoch: Int?
    var contentType: String
    var testDescription: String { file }
}

struct TextCase: Sendable, CustomTestStringConvertible {
    var file: String
    var contains: [String]
    var excludes: [String] = []
    var testDescription: String { file }
}

struct LinkCase: Sendable, CustomTestStringConvertible {
    var file: String
    var links: [String]
    var testDescription: String { file }
}

@Suite("MessageParser on client fixtures")
struct MessageParserTests {
    static let headerCases: [HeaderCase] = [
        HeaderCase(
            file: "gmail", fromName: "Amélie Durand", fromAddress: "amelie.durand@gmail.com",
            subject: "Signalement d'un tweet haineux",
            messageID: "CAF8kQ2mXo1n3vZr+5tR0yP7wJ9aB_c4dE6fG@mail.gmail.com", epoch: 1_715_673_807,
            contentType: "multipart/alternative"),
        HeaderCase(
            file: "outlook", fromName: "François Léger", fromAddress: "francois.leger@outlook.fr",
            subject: "Contenu haineux – page Facebook",
            messageID: "AM9P192MB1234ABCD5678EF90A1B2C3D4E5F6A@AM9P192MB1234.EURP192.PROD.OUTLOOK.COM",
            epoch: 1_715_760_765, contentType: "multipart/alternative"),
        HeaderCase(
            file: "applemail", fromName: "Claire Martin", fromAddress: "claire.martin@icloud.com",
            subject: "Vidéo YouTube à signaler", messageID: "8E4F2A7B-1C3D-4E5F-9A0B-C1D2E3F4A5B6@icloud.com",
            epoch: 1_715_888_642, contentType: "text/plain"),
        HeaderCase(
            file: "thunderbird", fromName: "Étienne Roux", fromAddress: "etienne.roux@laposte.net",
            subject: "Telegram et TikTok", messageID: "5f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b@laposte.net",
            epoch: 1_715_930_133, contentType: "text/plain"),
        HeaderCase(
            file: "html_only", fromName: "Hélène Petit", fromAddress: "helene.petit@orange.fr",
            subject: "Compte Instagram", messageID: "20240518092000.A1B2C3@orange.fr", epoch: 1_716_024_000,
            contentType: "text/html"),
        HeaderCase(
            file: "forwarded_rfc822", fromName: "Sophie Lambert", fromAddress: "sophie.lambert@free.fr",
            subject: "Fwd: Regarde ça", messageID: "a1b2c3d4-fwd@free.fr", epoch: 1_715_665_510,
            contentType: "multipart/mixed"),
        HeaderCase(
            file: "forwarded_inline", fromName: "Nadia Benali",
            fromAddress: "nadia.benali+signalement@gmail.com", subject: "Fwd: une chaîne à voir",
            messageID: "CAJx-inline-fwd@mail.gmail.com", epoch: 1_715_680_800, contentType: "text/plain"),
        HeaderCase(
            file: "dsn", fromName: "Mail Delivery System", fromAddress: "MAILER-DAEMON@mx.vigie.example",
            subject: "Undelivered Mail Returned to Sender",
            messageID: "20240515100005.1A2B3C4D5E@mx.vigie.example", epoch: 1_715_767_205,
            contentType: "multipart/report"),
        HeaderCase(
            file: "no_from", fromName: nil, fromAddress: nil, subject: "sans expediteur",
            messageID: "nofrom-1@example.net", epoch: 1_715_760_000, contentType: "text/plain"),
        HeaderCase(
            file: "no_message_id", fromName: nil, fromAddress: "anonyme@example.net",
            subject: "sans identifiant", messageID: nil, epoch: 1_715_861_100, contentType: "text/plain"),
        HeaderCase(
            file: "unknown_charset", fromName: "Jean Dupont", fromAddress: "jean.dupont@example.net",
            subject: "café", messageID: "unknown-cs-1@example.net", epoch: 1_715_760_000,
            contentType: "text/plain"),
        HeaderCase(
            file: "nul_bytes", fromName: "Jean Dupont", fromAddress: "jean.dupont@example.net",
            subject: "octets nuls", messageID: "nul-1@example.net", epoch: 1_715_760_000,
            contentType: "text/plain"),
    ]

    @Test(arguments: headerCases)
    func headers(_ c: HeaderCase) throws {
        let m = try parseFixture(c.file)
        #expect(m.from?.name == c.fromName)
        #expect(m.from?.address == c.fromAddress)
        #expect(m.subject == c.subject)
        #expect(m.messageID == c.messageID)
        #expect(m.date.map { Int($0.timeIntervalSince1970) } == c.epoch)
        #expect(m.contentType == c.contentType)
        #expect(m.to.first?.address == (c.file == "dsn" ? "accuses@vigie.example" : "signalements@vigie.example"))
    }

    static let textCases: [TextCase] = [
        TextCase(
            file: "gmail",
            contains: [
                "Je vous signale ce tweet https://x.com/compte_exemple/status/1790000000000000001?s=20 qui",
                "me paraît clairement haineux", "Merci pour votre travail,\nAmélie",
            ],
            excludes: ["<div", "\r"]),
        TextCase(
            file: "outlook",
            contains: [
                "Bonjour à l’équipe,", "où l’on propose une « cagnotte » de 50 €",
                "https://m.facebook.com/story.php?story_fbid=pfbid0abc123XYZ&id=100012345678901&fbclid=IwAR0exemple",
            ],
            excludes: ["MsoNormal", "=92", "=80"]),
        TextCase(
            file: "applemail",
            contains: [
                "propos inacceptables sur les personnes handicapées :",
                "https://www.youtube.com/watch?v=AbCdEfGhIjK&feature=share",
                "Elle a déjà plus de 10 000 vues.", "-- \nEnvoyé de mon iPhone",
            ],
            excludes: ["feature=sh are", "feature=sh\n"]),
        TextCase(
            file: "thunderbird",
            contains: [
                "Voici une chaîne Telegram qui relaie des messages haineux : https://t.me/canal_exemple/1234",
                "https://www.tiktok.com/@utilisateur.exemple/video/7360000000000000001",
                "> Ceci est une citation d'un message précédent qui est assez longue pour être coupée",
            ]),
        TextCase(
            file: "html_only",
            contains: [
                "Bonjour,\n\nJe signale ce compte Instagram : ce post", "L'image est ici/là & ailleurs.",
                "Merci,\nHélène",
            ],
            excludes: ["color", "script.invalid", "Signalement", "<p>", "&nbsp;"]),
        TextCase(
            file: "forwarded_rfc822",
            contains: [
                "Je vous transfere ce message recu d'un proche",
                "---------- Message transféré ----------\nDe : Paul Bernard <paul.bernard@example.org>\n"
                    + "Date : Mon, 13 May 2024 18:30:00 +0200\nObjet : Regarde ça\nÀ : Amis <amis@example.org>",
                "Regarde ce que ce compte publie : https://twitter.com/autre_compte/status/1790000000000000002",
                "C'est écœurant.",
            ],
            excludes: ["ce tweet"]),
        TextCase(
            file: "forwarded_inline",
            contains: [
                "---------- Forwarded message ---------\nDe : Marc Petit <marc.petit@example.com>",
                "Regarde https://youtu.be/AbCdEfGhIjK?si=QwErTy123 c'est violent.",
                "-------- Message transféré --------",
                "https://www.facebook.com/groups/groupe.exemple/posts/123456789012345/",
            ]),
        TextCase(
            file: "screenshot",
            contains: ["j'ai fait une capture d'écran", "x.com/compte_exemple/status/1790000000000000001"],
            excludes: ["iVBOR"]),
        TextCase(file: "dsn", contains: ["could not\nbe delivered", "550 5.1.1 User unknown"]),
        TextCase(file: "no_from", contains: ["https://x.com/compte_exemple/status/1790000000000000003"]),
        TextCase(file: "bad_content_type", contains: ["ce lien est à signaler : https://t.me/canal_exemple/99"]),
        TextCase(
            file: "unterminated_multipart",
            contains: [
                "Première partie : https://x.com/compte_exemple/status/1790000000000000004",
                "Deuxième partie, le message s'arrête au milieu d'une phr",
            ]),
        TextCase(file: "unknown_charset", contains: ["Contenu déplacé ici : https://www.instagram.com/p/C6abcdEFghi/"]),
        TextCase(
            file: "nul_bytes", contains: ["Lien : https://x.com/compte_exemple/status/1790000000000000005"],
            excludes: ["\0"]),
    ]

    @Test(arguments: textCases)
    func text(_ c: TextCase) throws {
        let m = try parseFixture(c.file)
        for snippet in c.contains {
            #expect(m.text.contains(snippet), "missing \(snippet.debugDescription) in \(m.text.debugDescription)")
        }
        for snippet in c.excludes {
            #expect(!m.text.contains(snippet), "unexpected \(snippet.debugDescription) in \(m.text.debugDescription)")
        }
    }

    static let linkCases: [LinkCase] = [
        LinkCase(file: "gmail", links: ["https://x.com/compte_exemple/status/1790000000000000001?s=20"]),
        LinkCase(
            file: "outlook",
            links: [
                "https://m.facebook.com/story.php?story_fbid=pfbid0abc123XYZ&id=100012345678901&fbclid=IwAR0exemple"
            ]),
        LinkCase(
            file: "html_only", links: ["https://www.instagram.com/p/C6abcdEFghi/?igsh=MWx0eXo=", "cid:logo@exemple"]),
        LinkCase(
            file: "forwarded_rfc822",
            links: ["https://mobile.twitter.com/autre_compte/status/1790000000000000002?s=20"]),
        LinkCase(file: "applemail", links: []),
        LinkCase(file: "thunderbird", links: []),
        LinkCase(file: "forwarded_inline", links: []),
    ]

    @Test(arguments: linkCases)
    func htmlLinks(_ c: LinkCase) throws {
        #expect(try parseFixture(c.file).htmlLinks == c.links)
    }

    @Test func plainAlternativeIsPreferredOverHTML() throws {
        let m = try parseFixture("gmail")
        // The HTML alternative repeats the URL; only the plain one may be in the text.
        #expect(m.text.components(separatedBy: "https://x.com/compte_exemple").count == 2)
        #expect(!m.text.contains("\n\n\n"))
    }

    @Test func attachmentsWithRFC2231Names() throws {
        let m = try parseFixture("screenshot")
        #expect(
            m.attachments == [
                AttachmentInfo(filename: "capture d'écran 2024-05-14.png", mimeType: "image/png", size: 70),
                AttachmentInfo(filename: "signalement n°2.pdf", mimeType: "application/pdf", size: 51),
            ])
        #expect(m.forwardedCount == 0)
        #expect(m.warnings.isEmpty)
    }

    @Test func forwardedMessageIsParsedRecursively() throws {
        let m = try parseFixture("forwarded_rfc822")
        #expect(m.forwardedCount == 1)
        #expect(m.attachments == [AttachmentInfo(filename: "capture.pdf", mimeType: "application/pdf", size: 25)])
        let outer = try #require(m.text.range(of: "Je vous transfere"))
        let separator = try #require(m.text.range(of: "---------- Message transféré ----------"))
        #expect(outer.lowerBound < separator.lowerBound)
        #expect(m.warnings.isEmpty)
    }

    @Test func inlineForwardStaysText() throws {
        let m = try parseFixture("forwarded_inline")
        #expect(m.forwardedCount == 0)
        #expect(m.from?.normalizedReporter == "nadia.benali@gmail.com")
    }

    @Test func deliveryStatusNotification() throws {
        let m = try parseFixture("dsn")
        #expect(m.attachments.map(\.mimeType) == ["message/delivery-status"])
        #expect(m.attachments.first?.filename == nil)
        #expect(m.header("Return-Path") == "<>")
        #expect(AutomaticMail.reason(for: m) != nil)
    }

    @Test func autoReplyIsRecognised() throws {
        let m = try parseFixture("autoreply")
        #expect(m.subject == "Réponse automatique : Signalement")
        #expect(AutomaticMail.reason(for: m) == "Auto-Submitted: auto-replied")
        #expect(AutomaticMail.reason(for: try parseFixture("gmail")) == nil)
    }

    @Test func headerListIsCompleteUnfoldedAndDecoded() throws {
        let m = try parseFixture("outlook")
        #expect(m.headers.first?.name == "Received")
        #expect(m.headers.first?.value.contains("\n") == false)
        #expect(
            m.headers.first?.value.hasSuffix("for <signalements@vigie.example>; Wed, 15 May 2024 08:12:47 +0000 (UTC)")
                == true)
        #expect(m.header("thread-topic") == "Contenu haineux – page Facebook")
        #expect(m.header("X-MS-Has-Attach") == "")
        #expect(m.headers.count == 14)
        #expect(m.headers.map(\.name).contains("Content-Type"))
    }

    @Test func cleanFixturesHaveNoWarnings() throws {
        for name in [
            "gmail", "outlook", "applemail", "thunderbird", "html_only", "forwarded_inline", "autoreply",
            "dsn", "no_from", "no_message_id",
        ] {
            #expect(try parseFixture(name).warnings == [], "\(name)")
        }
    }

    // MARK: - Broken input

    struct WarningCase: Sendable, CustomTestStringConvertible {
        var file: String
        var fragment: String
        var testDescription: String { file }
    }

    static let warningCases: [WarningCase] = [
        WarningCase(file: "bad_content_type", fragment: "bad Content-Type \"texte brut; charset=utf-8\""),
        WarningCase(file: "unterminated_multipart", fragment: "multipart/mixed not terminated"),
        WarningCase(file: "unknown_charset", fragment: "unknown charset \"x-unknown\""),
        WarningCase(file: "nul_bytes", fragment: "3 NUL byte(s) removed"),
    ]

    @Test(arguments: warningCases)
    func brokenInputWarns(_ c: WarningCase) throws {
        let m = try parseFixture(c.file)
        #expect(m.warnings.contains { $0.contains(c.fragment) }, "\(m.warnings)")
    }

    @Test func badContentTypeFallsBackToPlainText() throws {
        #expect(try parseFixture("bad_content_type").contentType == "text/plain")
    }

    @Test func emptyInputThrows() throws {
        #expect(throws: MessageParseError.empty) { try MessageParser.parse(fixture("empty")) }
        #expect(throws: MessageParseError.empty) { try MessageParser.parse(Array(" \r\n\r\n\t".utf8)) }
        #expect(throws: MessageParseError.empty) { try MessageParser.parse([0, 0, 0]) }
        #expect(MessageParseError.empty.description == "empty message")
    }

    @Test func nonMailThrows() throws {
        let inputs: [[UInt8]] = [
            Array("%PDF-1.4 this is not a mail\nat all\n".utf8),
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00],
            Array("just one line of prose, no header".utf8),
        ]
        for input in inputs {
            #expect(throws: MessageParseError.notAMail) { try MessageParser.parse(input) }
        }
    }

    @Test func deepNestingIsCutWithAWarning() throws {
        var body = "Bonjour, lien : https://x.com/compte_exemple/status/1790000000000000006\r\n"
        for level in stride(from: 29, through: 0, by: -1) {
            body =
                "--b\(level)\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nniveau \(level)\r\n"
                + "--b\(level)\r\nContent-Type: multipart/mixed; boundary=\"b\(level + 1)\"\r\n\r\n"
                + body + "\r\n--b\(level)--\r\n"
        }
        // The innermost multipart (b30) carries the URL as a bare text part.
        let raw =
            "From: a@example.net\r\nSubject: profond\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n" + body
        let m = try MessageParser.parse(Array(raw.utf8))
        #expect(m.text.contains("niveau 0"))
        #expect(m.text.contains("niveau 19"))
        #expect(!m.text.contains("niveau 20"))
        #expect(!m.text.contains("1790000000000000006"))
        #expect(m.warnings.contains { $0.contains("deeper than 20 levels") })
        // The deeper parts are not shown, but their links are still searched.
        #expect(m.unstructuredText.contains("https://x.com/compte_exemple/status/1790000000000000006"))
        #expect(m.unstructuredText.contains("niveau 20"))
        #expect(!m.unstructuredText.contains("Content-Type"), "part headers are not scanned")
    }

    /// The last of 1,001 parts, past the structural limit, in each transfer encoding.
    static let pastTheLimitCases: [(encoding: String, body: String)] = [
        ("7bit", "lien : https://t.me/canal_exemple/9\r\n"),
        ("quoted-printable", "lien : https://t.me/canal_=\r\nexemple/9?a=3Db\r\n"),
        (
            "base64",
            Data("lien : https://t.me/canal_exemple/9\r\n".utf8).base64EncodedString(options: .lineLength76Characters)
                + "\r\n"
        ),
    ]

    @Test(arguments: pastTheLimitCases)
    func partsPastTheStructuralLimitAreScannedAsRawText(encoding: String, body: String) throws {
        var raw = "From: a@example.net\r\nContent-Type: multipart/mixed; boundary=\"L\"\r\n\r\n"
        for n in 1...1_000 { raw += "--L\r\nContent-Type: text/plain\r\n\r\npartie \(n)\r\n" }
        raw += "--L\r\nContent-Transfer-Encoding: \(encoding)\r\nContent-Type: text/plain\r\n\r\n\(body)--L--\r\n"
        let m = try MessageParser.parse(Array(raw.utf8))
        #expect(m.text.contains("partie 1\n"))
        #expect(m.warnings.contains { $0.contains("the rest of the message scanned as raw text for links") })
        #expect(m.unstructuredText.contains("https://t.me/canal_exemple/9"), "\(m.unstructuredText.suffix(200))")
        #expect(!m.unstructuredText.contains("Content-Transfer-Encoding"))
    }

    @Test func hugeHeaderLine() throws {
        let long = String(repeating: "a", count: 20_000)
        let raw =
            "From: Jean <jean@example.net>\r\nX-Long: \(long)\r\nSubject: \(long.prefix(19_000))\r\n"
            + "Message-ID: <long@example.net>\r\n\r\nLien : https://t.me/canal_exemple/7\r\n"
        let m = try MessageParser.parse(Array(raw.utf8))
        #expect(m.header("X-Long")?.count == 20_000)
        #expect(m.subject?.count == 19_000)
        #expect(m.messageID == "long@example.net")
        #expect(m.text == "Lien : https://t.me/canal_exemple/7")
    }

    @Test func encodedForwardedMessageIsDecodedThenParsed() throws {
        let inner =
            "From: Paul <paul@example.org>\r\nSubject: =?utf-8?q?d=C3=A9j=C3=A0?=\r\n\r\n"
            + "Voir https://t.me/canal_exemple/8\r\n"
        let encoded = Data(inner.utf8).base64EncodedString(options: .lineLength76Characters)
        let raw =
            "From: a@example.net\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n"
            + "Content-Type: text/plain\r\n\r\nci-dessous\r\n--X\r\nContent-Type: message/rfc822\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n\(encoded)\r\n--X--\r\n"
        let m = try MessageParser.parse(Array(raw.utf8))
        #expect(m.forwardedCount == 1)
        #expect(m.text.contains("Objet : déjà"))
        #expect(m.text.contains("Voir https://t.me/canal_exemple/8"))
    }

    @Test func manyPartsAreBounded() throws {
        // 2,000 nested multiparts: libetpan only sees the first 1,000 Content-Type lines.
        var raw = "From: a@example.net\r\n"
        for level in 0..<2_000 { raw += "Content-Type: multipart/mixed; boundary=\"n\(level)\"\r\n\r\n--n\(level)\r\n" }
        raw += "Content-Type: text/plain\r\n\r\nfin\r\n"
        let m = try MessageParser.parse(Array(raw.utf8))
        #expect(m.warnings.contains { $0.contains("MIME parts") || $0.contains("deeper than") })
        #expect(m.unstructuredText.contains("fin"))
    }

    @Test func mutilatedFixturesNeverCrash() throws {
        let names = [
            "gmail", "outlook", "applemail", "thunderbird", "html_only", "forwarded_rfc822",
            "forwarded_inline", "screenshot", "dsn", "unterminated_multipart",
        ]
        var parsed = 0
        for name in names {
            let bytes = try fixture(name)
            // Truncations (every 7th byte) and a byte-flipped copy: the parser must return or throw, never trap.
            for cut in stride(from: 0, to: bytes.count, by: 7) {
                if (try? MessageParser.parse(Array(bytes[..<cut]))) != nil { parsed += 1 }
            }
            var flipped = bytes
            for i in stride(from: 3, to: flipped.count, by: 11) { flipped[i] ^= 0x5A }
            _ = try? MessageParser.parse(flipped)
        }
        #expect(parsed > 300)
    }

    @Test func hostileHTMLAndHeadersStayFast() throws {
        let html =
            String(repeating: "<div><a href=\"https://e.example/\(1)\">&eacute;", count: 20_000)
            + String(repeating: "<script>", count: 5_000) + String(repeating: "=?", count: 50_000)
        let raw =
            "From: =?utf-8?q?" + String(repeating: "=?x?q?a", count: 10_000) + "\r\n"
            + "Content-Type: text/html; charset=utf-8\r\n\r\n" + html
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            let m = try MessageParser.parse(Array(raw.utf8))
            #expect(m.htmlLinks.count == 20_000)
        }
        #expect(elapsed < .seconds(5))
    }

    @Test func demoSamplesParseCleanly() throws {
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/local/samples")
        let files = try FileManager.default.contentsOfDirectory(at: samples, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "eml" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        #expect(files.count == 10)
        var reporters: [String] = []
        var automatic = 0
        for file in files {
            let m = try MessageParser.parse(Array(try Data(contentsOf: file)))
            #expect(m.warnings.isEmpty, "\(file.lastPathComponent): \(m.warnings)")
            #expect(m.date != nil && m.messageID != nil && !m.text.isEmpty, "\(file.lastPathComponent)")
            if AutomaticMail.reason(for: m) != nil {
                automatic += 1
            } else {
                reporters.append(m.from!.normalizedReporter)
            }
        }
        #expect(automatic == 1)
        #expect(reporters.count == 9)
        #expect(Set(reporters).count == 8)
        #expect(reporters.contains("nadia.benali@gmail.com"))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIGIE_BENCH"] != nil))
    func benchmark() throws {
        var raw = try fixture("gmail")
        // Pad to about 4 KB with a realistic header block, as real received mail has.
        let received = Array(
            "Received: from relay.example.net (relay.example.net [192.0.2.1]) by mx.vigie.example\r\n".utf8)
        while raw.count < 4_096 { raw = received + raw }
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for _ in 0..<10_000 { _ = try MessageParser.parse(raw) }
        }
        print("parsed 10,000 messages of \(raw.count) bytes in \(elapsed)")
    }
}

/// The text clean-up every part goes through, against a byte-by-byte reference.
@Suite struct TextCleanupTests {
    static func reference(_ s: String) -> String {
        var out: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == 0x0D {
                out.append(0x0A)
                if i + 1 < u.count, u[i + 1] == 0x0A { i += 1 }
            } else {
                out.append(u[i])
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func newlinesAreNormalizedLikeTheByteByByteReference() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["\r\n", "\r", "\n", "a", "é", " ", "\t", "\r\r\n", "؀", "́", "👍🏽"]
        for _ in 0..<500 {
            let s = (0..<Int.random(in: 0...40, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            #expect(MIMEWalker.normalizeNewlines(s) == Self.reference(s))
            #expect(Array(MIMEWalker.normalizeNewlines(s).utf8) == Array(Self.reference(s).utf8))
        }
    }

    @Test func trimmingKeepsTheTextBetweenBlankLinesAndTrailingSpace() {
        #expect(MIMEWalker.trimmed("\n \n  Bonjour\n\tlà  \n\n") == "  Bonjour\n\tlà")
        #expect(MIMEWalker.trimmed(" \t\n") == "")
        #expect(MIMEWalker.trimmed("déjà") == "déjà")
        #expect(Array(MIMEWalker.trimmed("\n؀x؀ \n").utf8) == Array("؀x؀".utf8))
    }
}
