import Testing
import VigieCore

@Suite("Charset")
struct CharsetTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var bytes: [UInt8]
        var charset: String?
        var text: String
        var warns: Bool = false
        var testDescription: String { "\(charset ?? "nil") \(text)" }
    }

    static let cases: [Case] = [
        Case(bytes: Array("l’équipe".utf8), charset: "utf-8", text: "l’équipe"),
        Case(bytes: Array("l’équipe".utf8), charset: "UTF8", text: "l’équipe"),
        Case(bytes: [0x6C, 0x92, 0xE9, 0x71, 0x75, 0x69, 0x70, 0x65], charset: "windows-1252", text: "l’équipe"),
        Case(bytes: [0x80, 0x20, 0x85, 0x20, 0x9C], charset: "Windows-1252", text: "€ … œ"),
        Case(bytes: [0x93, 0x6F, 0x6B, 0x94], charset: "cp1252", text: "“ok”"),
        Case(bytes: [0x35, 0x30, 0x20, 0x80], charset: "\"windows-1252\"", text: "50 €"),
        Case(bytes: [0x63, 0x61, 0x66, 0xE9], charset: "iso-8859-1", text: "café"),
        Case(bytes: [0x63, 0x61, 0x66, 0xE9], charset: "ISO_8859-1", text: "café"),
        Case(bytes: [0xA4], charset: "iso-8859-1", text: "¤"),
        Case(bytes: [0xA4, 0x20, 0xBD, 0x75, 0x76, 0x72, 0x65], charset: "iso-8859-15", text: "€ œuvre"),
        Case(bytes: [0xA6, 0xA8, 0xBE], charset: "latin9", text: "ŠšŸ"),
        Case(bytes: Array("plain ascii".utf8), charset: "us-ascii", text: "plain ascii"),
        // Declared us-ascii or undeclared but 8-bit: UTF-8 when valid, windows-1252 otherwise.
        Case(bytes: Array("déjà".utf8), charset: "us-ascii", text: "déjà"),
        Case(bytes: Array("déjà".utf8), charset: nil, text: "déjà"),
        Case(bytes: [0x64, 0xE9, 0x6A, 0xE0, 0x20, 0x80], charset: nil, text: "déjà €"),
        Case(bytes: [0xE9, 0x74, 0xE9], charset: "iso-8859-2", text: "été"),
        Case(bytes: [0x63, 0x61, 0x66, 0xC3, 0xA9], charset: "x-unknown", text: "café", warns: true),
        Case(bytes: [0x63, 0x61, 0x66, 0xE9], charset: "x-unknown", text: "café", warns: true),
        Case(bytes: [0x61, 0xFF, 0x62], charset: "utf-8", text: "a\u{FFFD}b", warns: true),
    ]

    @Test(arguments: cases)
    func decode(_ c: Case) {
        let (text, warning) = Charset.decode(c.bytes, charset: c.charset)
        #expect(text == c.text)
        #expect((warning != nil) == c.warns, "\(warning ?? "no warning")")
    }

    @Test func windows1252MapsTheWholeC1Range() {
        let bytes = Array(UInt8(0x80)...UInt8(0x9F))
        let text = Charset.decode(bytes, charset: "windows-1252").text
        #expect(text.unicodeScalars.count == 32)
        #expect(text == "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8D}Ž\u{8F}\u{90}‘’“”•–—˜™š›œ\u{9D}žŸ")
    }

    @Test func unknownCharsetWarningNamesIt() {
        let warning = Charset.decode([0x41], charset: "x-unknown").warning
        #expect(warning?.contains("\"x-unknown\"") == true)
        #expect(Charset.isKnown("ISO-8859-15"))
        #expect(!Charset.isKnown("x-unknown"))
    }
}
