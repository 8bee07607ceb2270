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

    /// The byte encoder gives exactly what the string-based encoder it replaced gave, on inputs made of the bytes
    /// every rule looks at (dots, `From `, `=`, spaces and tabs before breaks, CR/LF mixes, non-ASCII, 75/76 columns).
    @Test func byteEncoderMatchesTheStringEncoderItReplaced() {
        let alphabet: [[UInt8]] = [
            [0x2E], Array("From ".utf8), Array("F".utf8), [0x3D], [0x20], [0x09], [0x0D], [0x0A], [0x0D, 0x0A],
            Array("é".utf8), [0x00], [0x7F], Array("abc".utf8), Array(String(repeating: "x", count: 70).utf8),
        ]
        var rng = SeededRandom(state: 13)
        for _ in 0..<3000 {
            var input: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &rng) { input += alphabet.randomElement(using: &rng)! }
            #expect(QuotedPrintable.encode(bytes: input) == ReferenceQuotedPrintable.encode(bytes: input))
            var appended: [UInt8] = [0x41]
            QuotedPrintable.append(input[...], to: &appended)
            #expect(appended == [0x41] + Array(ReferenceQuotedPrintable.encode(bytes: input).utf8))
        }
    }
}

/// The string-based encoder the byte encoder replaced (kept here as the specification it must match).
private enum ReferenceQuotedPrintable {
    static func encode(bytes: [UInt8]) -> String {
        var out = ""
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x0D || b == 0x0A {
                lines.append(bytes[start..<i])
                if b == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
                start = i + 1
            }
            i += 1
        }
        lines.append(bytes[start..<bytes.count])
        for (index, line) in lines.enumerated() {
            if index > 0 { out += "\r\n" }
            encodeLine(line, into: &out)
        }
        return out
    }

    static func escape(_ b: UInt8) -> String { "=" + String(format: "%02X", b) }

    static func encodeLine(_ line: ArraySlice<UInt8>, into out: inout String) {
        var current = ""
        var currentLength = 0
        let bytes = Array(line)
        for (i, b) in bytes.enumerated() {
            let isLast = i == bytes.count - 1
            let atLineStart = currentLength == 0
            var token: String
            switch b {
            case 0x20, 0x09: token = isLast ? escape(b) : String(UnicodeScalar(b))
            case 0x3D: token = escape(b)
            case 0x2E where atLineStart: token = escape(b)
            case 0x46 where atLineStart && startsWithFromSpace(bytes, at: i): token = escape(b)
            case 33...126: token = String(UnicodeScalar(b))
            default: token = escape(b)
            }
            let limit = isLast ? QuotedPrintable.maxLineLength : QuotedPrintable.maxLineLength - 1
            if currentLength + token.count > limit {
                out += current + "=\r\n"
                current = ""
                currentLength = 0
                if b == 0x2E || (b == 0x46 && startsWithFromSpace(bytes, at: i)) { token = escape(b) }
            }
            current += token
            currentLength += token.count
        }
        out += current
    }

    static func startsWithFromSpace(_ bytes: [UInt8], at i: Int) -> Bool {
        let from: [UInt8] = Array("From ".utf8)
        guard i + from.count <= bytes.count else { return false }
        return Array(bytes[i..<(i + from.count)]) == from
    }
}
