import Foundation
import Testing

@testable import VigieCore

@Suite struct QuotedPrintableTests {
    @Test(arguments: [
        ("hello", "hello"),
        ("", ""),
        ("a=b", "a=3Db"),
        ("café", "caf=C3=A9"),
        ("Lettre d’info", "Lettre d=E2=80=99info"),
        ("trailing space ", "trailing space=20"),
        ("tab\t", "tab=09"),
        ("inner  spaces\tkept", "inner  spaces\tkept"),
        ("line1\nline2", "line1\r\nline2"),
        ("line1\r\nline2\r\n", "line1\r\nline2\r\n"),
        ("cr\ronly", "cr\r\nonly"),
        ("space before break \nx", "space before break=20\r\nx"),
        (".", "=2E"),
        ("a\n.\nb", "a\r\n=2E\r\nb"),
        ("..double", "=2E.double"),
        ("not.at.start", "not.at.start"),
        ("From here", "=46rom here"),
        ("Fromage", "Fromage"),
        ("nul\u{0}and\u{7F}del", "nul=00and=7Fdel"),
        (String(repeating: "x", count: 76), String(repeating: "x", count: 76)),
        (String(repeating: "x", count: 77), String(repeating: "x", count: 75) + "=\r\nxx"),
        (String(repeating: "é", count: 13), String(repeating: "=C3=A9", count: 12) + "=C3=\r\n=A9"),
        (String(repeating: "a", count: 75) + ".b", String(repeating: "a", count: 75) + "=\r\n=2Eb"),
        (String(repeating: "a", count: 74) + "= ", String(repeating: "a", count: 74) + "=\r\n=3D=20"),
    ])
    func encodes(input: String, expected: String) {
        #expect(QuotedPrintable.encode(input) == expected)
    }

    static let samples: [String] = [
        "Bonjour à toutes et à tous,\n\nVoici la lettre de la semaine : 42 signalements, 7 plateformes.\n",
        String(
            repeating: "Une très longue ligne sans retour à la ligne, avec des accents éèàçù et des = signes. ",
            count: 20),
        "📣 Édition spéciale 🇫🇷 — «citations» et ‘apostrophes’\r\n.\r\n..\r\nFrom the team\r\n   \r\n\t\n",
        String(repeating: "=", count: 200),
        String(repeating: " ", count: 100) + "\n" + String(repeating: "\t", count: 80),
        "<p>Bonjour,</p>\n<a href=\"https://vigie.example.org/u/abc?x=1&y=2\">se désabonner</a>\n",
    ]

    @Test(arguments: samples)
    func outputIsSafeForSMTPAndRoundTrips(input: String) {
        let encoded = QuotedPrintable.encode(input)
        let lines = encoded.components(separatedBy: "\r\n")
        for line in lines {
            #expect(line.utf8.count <= QuotedPrintable.maxLineLength, "line too long: \(line)")
            #expect(!line.hasPrefix("."), "dot at line start: \(line)")
            #expect(!line.hasPrefix("From "))
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"), "trailing whitespace: \(line)")
            #expect(line.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F || $0 == 0x09 }, "raw byte in: \(line)")
        }
        #expect(!encoded.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(!encoded.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        // Decoding gives back the input with every line break as CRLF.
        let normalized = input.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        #expect(QuotedPrintable.decode(encoded) == Array(normalized.utf8))
    }
}
