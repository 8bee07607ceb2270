import Foundation
import Testing

@testable import VigieCore

@Suite struct HeaderEncodingTests {
    /// Checks the wire rules every produced field must obey, whatever its content.
    static func checkWireRules(_ field: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = field.components(separatedBy: "\r\n")
        for (i, line) in lines.enumerated() {
            #expect(line.utf8.count <= HeaderEncoding.maxLineLength, sourceLocation: sourceLocation)
            #expect(
                !line.contains("\r") && !line.contains("\n") && !line.contains("\0"), sourceLocation: sourceLocation)
            #expect(
                line.unicodeScalars.allSatisfy { $0.value < 128 }, "non-ASCII on the wire: \(line)",
                sourceLocation: sourceLocation)
            if i > 0 {
                // A continuation line must start with whitespace, or it would be a new field.
                #expect(line.hasPrefix(" "), "continuation without WSP: \(line)", sourceLocation: sourceLocation)
                #expect(line.trimmingCharacters(in: .whitespaces).isEmpty == false, sourceLocation: sourceLocation)
            }
        }
        for word in HeaderDecoder.encodedWords(field) {
            #expect(
                word.utf8.count <= HeaderEncoding.maxEncodedWordLength, "encoded-word too long: \(word)",
                sourceLocation: sourceLocation)
            #expect(
                HeaderDecoder.decodeWord(word) != nil, "encoded-word does not decode alone: \(word)",
                sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [
        ("Hello world", "Subject: Hello world"),
        ("", "Subject:"),
        ("Café", "Subject: =?UTF-8?B?Q2Fmw6k=?="),
        ("Résumé de la semaine", "Subject: =?UTF-8?B?UsOpc3Vtw6k=?= de la semaine"),
        ("Élection présidentielle", "Subject: =?UTF-8?Q?=C3=89lection_pr=C3=A9sidentielle?="),
        ("La lettre d’été", "Subject: La lettre =?UTF-8?B?ZOKAmcOpdMOp?="),
        ("à Noël", "Subject: =?UTF-8?B?w6AgTm/Dq2w=?="),
        ("  spaces   collapse  ", "Subject: spaces collapse"),
        ("a =?utf-8?q?fake?= b", "Subject: a =?UTF-8?B?PT91dGYtOD9xP2Zha2U/PQ==?= b"),
        ("日本語", "Subject: =?UTF-8?B?5pel5pys6Kqe?="),
    ])
    func unstructuredExact(value: String, expected: String) {
        let field = HeaderEncoding.field("Subject", value)
        #expect(field == expected)
        Self.checkWireRules(field)
    }

    static let roundTripSubjects: [String] = [
        "Lettre d’information n°12 : les signalements de la semaine, préparés par l’équipe éditoriale de Vigie",
        "📣 Nouvelle édition 🇫🇷 — «Haine en ligne» : ce qu’il faut savoir 👩‍👩‍👧‍👦",
        String(repeating: "Déjà vu ", count: 40),
        String(repeating: "🇫🇷", count: 30),
        String(repeating: "日本語のテキスト", count: 12),
        "Plain ASCII subject that is long enough to need folding because it goes well beyond seventy-eight columns",
        "Un mot très long: " + String(repeating: "é", count: 200),
        "Mixed ASCII and accents: " + String(repeating: "évènement ", count: 15) + "end",
    ]

    @Test(arguments: roundTripSubjects)
    func encodedSubjectsFoldAndDecodeBack(subject: String) {
        let field = HeaderEncoding.field("Subject", subject)
        Self.checkWireRules(field)
        let lines = field.components(separatedBy: "\r\n")
        // Folding aims at 78: only a single unbreakable atom may exceed it.
        for line in lines where line.utf8.count > HeaderEncoding.foldColumn {
            #expect(!line.dropFirst().contains(" "), "foldable line over 78: \(line)")
        }
        let normalized = subject.split(separator: " ").joined(separator: " ")
        #expect(HeaderDecoder.decode(HeaderDecoder.unfoldedValue(field)) == normalized)
    }

    @Test func longAsciiWordNeverBreaksTheLineLimit() {
        let token = String(repeating: "x", count: 1200)
        let field = HeaderEncoding.field("X-Long", "start " + token + " end")
        Self.checkWireRules(field)
        #expect(HeaderDecoder.decode(HeaderDecoder.unfoldedValue(field)) == "start " + token + " end")
    }

    @Test(arguments: [
        (MailAddress(name: "Jean Dupont", address: "jean@example.org"), "Jean Dupont <jean@example.org>"),
        (MailAddress(name: nil, address: "jean@example.org"), "<jean@example.org>"),
        (MailAddress(name: "", address: "jean@example.org"), "<jean@example.org>"),
        (MailAddress(name: "O'Brien", address: "ob@example.org"), "O'Brien <ob@example.org>"),
        (MailAddress(name: "Dupont, Jean", address: "jean@example.org"), "\"Dupont, Jean\" <jean@example.org>"),
        (MailAddress(name: "J. Dupont", address: "j@example.org"), "\"J. Dupont\" <j@example.org>"),
        (
            MailAddress(name: "Jean \"JD\" Dupont", address: "j@example.org"),
            "\"Jean \\\"JD\\\" Dupont\" <j@example.org>"
        ),
        (MailAddress(name: "back\\slash", address: "b@example.org"), "\"back\\\\slash\" <b@example.org>"),
        (MailAddress(name: "Team <Vigie>", address: "t@example.org"), "\"Team <Vigie>\" <t@example.org>"),
        (MailAddress(name: "a@b", address: "t@example.org"), "\"a@b\" <t@example.org>"),
        (MailAddress(name: "Zoé Martin", address: "zoe@example.org"), "=?UTF-8?Q?Zo=C3=A9_Martin?= <zoe@example.org>"),
        (
            MailAddress(name: "Vigie — veille", address: "v@example.org"),
            "=?UTF-8?Q?Vigie_=E2=80=94_veille?= <v@example.org>"
        ),
    ])
    func displayNames(address: MailAddress, expected: String) {
        #expect(HeaderEncoding.mailbox(address) == expected)
        Self.checkWireRules(HeaderEncoding.addressField("To", address))
    }

    @Test(arguments: [
        "Éric, \"le chef\" (équipe)", "Ünïcödé & <specials>; \\ end", String(repeating: "Zoé ", count: 30),
    ])
    func nonAsciiDisplayNamesRoundTrip(name: String) {
        let field = HeaderEncoding.addressField("From", MailAddress(name: name, address: "x@example.org"))
        Self.checkWireRules(field)
        let value = HeaderDecoder.unfoldedValue(field)
        #expect(value.hasSuffix(" <x@example.org>"))
        let phrase = String(value.dropLast(" <x@example.org>".count))
        #expect(HeaderDecoder.decode(phrase) == name.split(separator: " ").joined(separator: " "))
    }

    // MARK: - Injection

    static let injections: [String] = [
        "Hello\r\nBcc: evil@example.net",
        "Hello\nBcc: evil@example.net",
        "Hello\rBcc: evil@example.net",
        "Hello\r\n\r\nbody injected",
        "Hello\0Bcc: evil@example.net",
        "Hello\u{2028}Bcc: evil@example.net",
        "\r\nTo: second@example.net",
        "Héllo\r\nBcc: evil@example.net",
        "Hello\u{85}Bcc: evil@example.net",
    ]

    @Test(arguments: injections)
    func crlfInAValueNeverStartsAField(value: String) {
        for field in [
            HeaderEncoding.field("Subject", value),
            HeaderEncoding.addressField("To", MailAddress(name: value, address: "a@example.org")),
            HeaderEncoding.addressField("To", MailAddress(name: "A", address: "a@example.org" + value)),
            HeaderEncoding.field("X-Custom" + value, "v"),
        ] {
            Self.checkWireRules(field)
            let lines = field.components(separatedBy: "\r\n")
            #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        }
        #expect(HeaderEncoding.sanitize(value).unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F })
    }

    @Test func fieldNamesLoseEverythingButPrintableAscii() {
        #expect(HeaderEncoding.sanitizeName("X-Test\r\nBcc") == "X-TestBcc")
        #expect(HeaderEncoding.sanitizeName("X Test: é") == "XTest")
        #expect(HeaderEncoding.field("X-Test\r\nBcc: evil@example.net\r\nX", "v") == "X-TestBccevil@example.netX: v")
    }
}
