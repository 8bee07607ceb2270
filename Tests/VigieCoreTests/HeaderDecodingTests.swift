import Foundation
import Testing
import VigieCore

@Suite("Header decoding: RFC 2047, RFC 2231, format=flowed, dates")
struct HeaderDecodingTests {
    static let words: [(String, String)] = [
        ("=?utf-8?q?Am=C3=A9lie_Durand?=", "Amélie Durand"),
        ("=?UTF-8?Q?Am=C3=A9lie?= Durand", "Amélie Durand"),
        ("=?iso-8859-1?b?SOls6G5lIFBldGl0?=", "Hélène Petit"),
        ("=?ISO-8859-1?Q?Fran=E7ois?= =?ISO-8859-1?Q?_L=E9ger?=", "François Léger"),
        ("=?windows-1252?Q?Contenu_haineux_=96_page?=", "Contenu haineux – page"),
        ("=?iso-8859-15?q?=A4uro?=", "€uro"),
        // A UTF-8 character split across two words (Gmail does this with base64).
        ("=?UTF-8?B?w6k=?= =?UTF-8?B?qQ==?=", "é\u{FFFD}"),
        ("=?UTF-8?B?w6nD?= =?UTF-8?B?qQ==?=", "éé"),
        ("=?utf-8*fr?q?caf=C3=A9?=", "café"),
        ("Re: =?utf-8?q?caf=C3=A9?= et th\u{E9}", "Re: café et thé"),
        ("pas =? un mot ?= encodé", "pas =? un mot ?= encodé"),
        ("=?utf-8?x?invalide?=", "=?utf-8?x?invalide?="),
        ("=?utf-8?q?sans_fin", "=?utf-8?q?sans_fin"),
        ("", ""),
    ]

    @Test(arguments: words)
    func rfc2047(_ input: String, _ expected: String) {
        #expect(RFC2047.decode(input) == expected)
    }

    @Test func rfc2047RawLatin1Bytes() {
        #expect(RFC2047.decode([0x74, 0x68, 0xE9]) == "thé")
    }

    @Test func rfc2231() {
        let split: [(name: String, value: String)] = [
            ("filename*0*", "utf-8''signalement%20n%C2%B0"), ("filename*1*", "2.pdf"),
        ]
        #expect(RFC2231.value(of: "filename", in: split) == "signalement n°2.pdf")
        let single: [(name: String, value: String)] = [("FILENAME*", "UTF-8'fr'capture%20d%27%C3%A9cran.png")]
        #expect(RFC2231.value(of: "filename", in: single) == "capture d'écran.png")
        let latin: [(name: String, value: String)] = [("name*", "iso-8859-1''caf%E9.txt")]
        #expect(RFC2231.value(of: "name", in: latin) == "café.txt")
        let plainWord: [(name: String, value: String)] = [("filename", "\"=?iso-8859-1?q?caf=E9?=.txt\"")]
        #expect(RFC2231.value(of: "filename", in: plainWord) == "café.txt")
        let both: [(name: String, value: String)] = [("filename", "fallback.png"), ("filename*", "utf-8''vrai.png")]
        #expect(RFC2231.value(of: "filename", in: both) == "vrai.png")
        let unordered: [(name: String, value: String)] = [("title*1", "b"), ("title*0", "a"), ("title*2", "c")]
        #expect(RFC2231.value(of: "title", in: unordered) == "abc")
        #expect(RFC2231.value(of: "filename", in: []) == nil)
    }

    static let flowed: [(String, Bool, String)] = [
        ("Bonjour, \nla suite\n", false, "Bonjour, la suite\n"),
        (
            "https://www.youtube.com/watch?v=Ab&feature=sh \nare\n", true,
            "https://www.youtube.com/watch?v=Ab&feature=share\n"
        ),
        ("un  \ndeux\n", true, "un deux\n"),
        ("> cité \n> suite\nnormal\n", false, "> cité suite\nnormal\n"),
        ("> niveau un \n>> niveau deux\n", false, "> niveau un \n>> niveau deux\n"),
        (" >pas une citation\n", false, ">pas une citation\n"),
        ("-- \nSignature\n", false, "-- \nSignature\n"),
        ("dernier flowed ", false, "dernier flowed "),
        ("", false, ""),
    ]

    @Test(arguments: flowed)
    func formatFlowed(_ input: String, _ delSp: Bool, _ expected: String) {
        #expect(FormatFlowed.unwrap(input, delSp: delSp) == expected)
    }

    static let dates: [(String, Int?)] = [
        ("Tue, 14 May 2024 10:03:27 +0200", 1_715_673_807),
        ("14 May 2024 10:03:27 +0200", 1_715_673_807),
        ("Tue, 14 May 2024 10:03:27 +0200 (CEST)", 1_715_673_807),
        ("Tue, 14 May 2024 08:03:27 GMT", 1_715_673_807),
        ("Tue, 14 May 2024 10:03:27 GMT+0200", 1_715_673_807),
        ("Tue, 14 May 2024 10:03:27 CEST", 1_715_673_807),
        ("Tue, 14 May 24 10:03:27 +0200", 1_715_673_807),
        ("Tue, 14 May 2024 10:03 +0200", 1_715_673_780),
        ("2024-05-14T10:03:27+02:00", 1_715_673_807),
        ("2024-05-14T08:03:27Z", 1_715_673_807),
        ("2024-05-14 10:03:27 +0200", 1_715_673_807),
        ("mar. 14 mai 2024 10:03:27 +0200", 1_715_673_807),
        ("14/05/2024 10:03:27 +0200", 1_715_673_807),
        ("May 14 2024 08:03:27", 1_715_673_807),
        ("Wed, 31 Dec 1969 23:59:59 +0000", -1),
        ("pas une date", nil),
        ("Tue, 32 May 2024 10:00:00 +0200", nil),
        ("", nil),
    ]

    @Test(arguments: dates)
    func mailDate(_ input: String, _ epoch: Int?) {
        #expect(MailDate.parse(input).map { Int($0.timeIntervalSince1970) } == epoch)
    }
}
