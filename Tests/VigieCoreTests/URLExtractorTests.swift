import Foundation
import Testing

@testable import VigieCore

/// A citizen's text and the URLs that must come out of it, in order.
struct ExtractionCase: CustomTestStringConvertible, Sendable {
    let name: String
    let text: String
    let expected: [String]
    init(_ name: String, _ text: String, _ expected: [String]) {
        self.name = name
        self.text = text
        self.expected = expected
    }
    var testDescription: String { name }
}

@Suite("URL extraction")
struct URLExtractorTests {
    /// A 76-column line cut in the middle of a URL, as a mail client wraps it.
    static let wrappedLine = "Voir: https://www.exemple.com/actualites/politique/2024/03/un-article-tres-l"

    static let cases: [ExtractionCase] = [
        // Prose and punctuation.
        .init(
            "French colon and final period", "Voici le lien : https://x.com/a/status/1.", ["https://x.com/a/status/1"]),
        .init("no-break spaces", "Voici le lien\u{A0}: https://x.com/a/status/1\u{A0}!", ["https://x.com/a/status/1"]),
        .init("narrow no-break space", "Lien\u{202F}:\u{202F}https://x.com/p\u{202F}?", ["https://x.com/p"]),
        .init(
            "guillemets with spaces", "« https://www.youtube.com/watch?v=abc123 »",
            ["https://www.youtube.com/watch?v=abc123"]),
        .init("guillemets glued", "«https://t.me/canal»", ["https://t.me/canal"]),
        .init("curly quotes", "“https://x.com/a” et ‘https://x.com/b’", ["https://x.com/a", "https://x.com/b"]),
        .init(
            "straight quotes", "\"https://exemple.fr/q?a=1&b=2\" puis 'https://exemple.fr/a'",
            ["https://exemple.fr/q?a=1&b=2", "https://exemple.fr/a"]),
        .init("parentheses", "(voir https://exemple.com/page), merci", ["https://exemple.com/page"]),
        .init(
            "wikipedia parentheses kept", "https://fr.wikipedia.org/wiki/Discours_de_haine_(droit)",
            ["https://fr.wikipedia.org/wiki/Discours_de_haine_(droit)"]),
        .init(
            "wikipedia inside parentheses", "(https://fr.wikipedia.org/wiki/Foo_(bar)).",
            ["https://fr.wikipedia.org/wiki/Foo_(bar)"]),
        .init("unbalanced closing parenthesis", "lien https://x.com/a) fin", ["https://x.com/a"]),
        .init("markdown link", "[le post](https://x.com/u/status/42)", ["https://x.com/u/status/42"]),
        .init("markdown link with URL text", "[https://a.fr/x](https://a.fr/x)", ["https://a.fr/x"]),
        .init("markdown bold", "**https://x.com/a**", ["https://x.com/a"]),
        .init("angle brackets", "<https://exemple.fr/page>", ["https://exemple.fr/page"]),
        .init(
            "question and exclamation", "C'est https://x.com/a? Oui, https://x.com/b!",
            ["https://x.com/a", "https://x.com/b"]),
        .init("semicolon after query", "https://x.com/a?b=1&c=2; puis", ["https://x.com/a?b=1&c=2"]),
        .init("ellipsis", "https://x.com/a… et la suite", ["https://x.com/a"]),
        .init("glued after a colon", "Lien:https://x.com/a", ["https://x.com/a"]),
        .init("glued after a word", "voirhttps://x.com/a", ["https://x.com/a"]),
        .init(
            "archive of a URL", "https://web.archive.org/web/2020/https://twitter.com/u/status/1",
            ["https://web.archive.org/web/2020/https://twitter.com/u/status/1"]),
        .init(
            "user, port, query, fragment", "https://user@exemple.fr:8080/a?x=1#frag",
            ["https://user@exemple.fr:8080/a?x=1#frag"]),
        .init("non-ASCII path", "https://fr.wikipedia.org/wiki/Éléphant.", ["https://fr.wikipedia.org/wiki/Éléphant"]),
        .init("IPv6 host", "http://[2001:db8::1]/a", ["http://[2001:db8::1]/a"]),
        .init(
            "scheme lowercased, rest kept", "HTTPS://Exemple.FR/Path et Http://exemple.fr",
            ["https://Exemple.FR/Path", "http://exemple.fr"]),

        // Without a scheme.
        .init("www with path", "www.exemple.fr/article", ["https://www.exemple.fr/article"]),
        .init("www at sentence end", "allez sur www.lemonde.fr.", ["https://www.lemonde.fr"]),
        .init("www after a colon", "site:www.exemple.org", ["https://www.exemple.org"]),
        .init("bare with path and query", "exemple.com/page?id=3", ["https://exemple.com/page?id=3"]),
        .init("bare known TLD with comma", "regardez facebook.com, c'est là", ["https://facebook.com"]),
        .init("bare in parentheses", "(exemple.com)", ["https://exemple.com"]),
        .init("bare after elision", "le site d’exemple.fr!", ["https://exemple.fr"]),
        .init(
            "shorteners", "bit.ly/3abcDEF et t.co/Xy12 et youtu.be/dQw4w9WgXcQ",
            ["https://bit.ly/3abcDEF", "https://t.co/Xy12", "https://youtu.be/dQw4w9WgXcQ"]),
        .init(
            "bare path ends a sentence", "sur instagram.com/compte_haineux.", ["https://instagram.com/compte_haineux"]),
        .init("bare with port", "exemple.fr:8080/x", ["https://exemple.fr:8080/x"]),
        .init("bare capitals", "EXEMPLE.FR", ["https://EXEMPLE.FR"]),
        .init("bare unknown TLD with path", "exemple.social/@user", ["https://exemple.social/@user"]),

        // Defanged.
        .init("hxxps and [.]", "hxxps://exemple[.]com/a", ["https://exemple.com/a"]),
        .init("hxxp", "hxxp://exemple[.]fr", ["http://exemple.fr"]),
        .init("hXXps and (.)", "hXXps://site(.)org/x", ["https://site.org/x"]),
        .init("h**ps and {.}", "h**ps://site{.}net/x", ["https://site.net/x"]),
        .init("HXXPS capitals", "HXXPS://EXEMPLE[.]COM/X", ["https://EXEMPLE.COM/X"]),
        .init("[dot]", "exemple[dot]com/chemin", ["https://exemple.com/chemin"]),
        .init("(dot)", "exemple(dot)fr", ["https://exemple.fr"]),
        .init("[DOT] with spaces", "exemple [DOT] com", ["https://exemple.com"]),
        .init("[.] with spaces", "exemple [.] com/a", ["https://exemple.com/a"]),
        .init("spelled point", "le site exemple point fr diffuse", ["https://exemple.fr"]),
        .init("spelled point chain", "www point exemple point com/page", ["https://www.exemple.com/page"]),
        .init("spelled dot", "twitter dot com/user", ["https://twitter.com/user"]),
        .init(
            "spelled words beside prose", "pour le point de vue, donc exemple point fr/page",
            ["https://exemple.fr/page"]),
        .init(
            "words ended by letters outside ASCII", "Voilà exemple.fr/été et café.fr/menu, déjà vu",
            ["https://exemple.fr/été", "https://café.fr/menu"]),
        .init("a word at the very end", "le lien exemple.fr", ["https://exemple.fr"]),
        .init(
            "a label ended by a hyphen run", "re-voir sous-domaine.exemple.fr/x_y",
            ["https://sous-domaine.exemple.fr/x_y"]),
        .init("[:]//", "https[:]//exemple.com/a", ["https://exemple.com/a"]),
        .init("[://]", "https[://]exemple.com/a", ["https://exemple.com/a"]),
        .init("space after ://", "https:// exemple.com/a", ["https://exemple.com/a"]),
        .init("everything at once", "hxxps[:]//www[.]exemple[.]com/x", ["https://www.exemple.com/x"]),

        // Several, duplicates.
        .init(
            "several and duplicates", "https://a.com/1 et https://b.com/2, puis https://a.com/1",
            ["https://a.com/1", "https://b.com/2"]),
        .init("defanged duplicate of a plain one", "https://a.com/1 hxxps://a[.]com/1", ["https://a.com/1"]),
        .init(
            "two URLs on consecutive lines", "https://a.com/x/\nhttps://b.com/y",
            ["https://a.com/x/", "https://b.com/y"]),

        // Wrapped lines.
        .init(
            "wrapped after a slash", "https://exemple.com/articles/\n2024/05/haine-en-ligne",
            ["https://exemple.com/articles/2024/05/haine-en-ligne"]),
        .init(
            "wrapped after =", "https://www.youtube.com/watch?v=\ndQw4w9WgXcQ merci",
            ["https://www.youtube.com/watch?v=dQw4w9WgXcQ"]),
        .init("wrapped after = with a word", "https://x.com/search?q=\nhaine", ["https://x.com/search?q=haine"]),
        .init("wrapped after -", "https://exemple.fr/un-\nlong-titre", ["https://exemple.fr/un-long-titre"]),
        .init(
            "wrapped at column 76", wrappedLine + "\nong-sur-le-sujet.html\nMerci",
            ["https://www.exemple.com/actualites/politique/2024/03/un-article-tres-long-sur-le-sujet.html"]),
        .init("wrapped CRLF", "https://exemple.com/a/\r\n2024/05/x\r\nBonjour", ["https://exemple.com/a/2024/05/x"]),
        .init("wrapped over three lines", "https://exemple.com/a?b=\nc&d=\ne", ["https://exemple.com/a?b=c&d=e"]),
        .init("not wrapped: short line", "https://x.com/abc\ndef", ["https://x.com/abc"]),
        .init("not wrapped: short line, URL-like next line", "https://x.com/abc\nfin-de-ligne", ["https://x.com/abc"]),
        .init("not wrapped: prose after a slash", "https://x.com/a/\nMerci de votre aide", ["https://x.com/a/"]),
        .init("not wrapped: a signature", "https://x.com/a/\nJean-Pierre", ["https://x.com/a/"]),
        .init("not wrapped: number then words", "https://x.com/a/\n123 personnes l'ont vu", ["https://x.com/a/"]),
        .init("not wrapped: sentence ended", "https://x.com/a.\nsuite/de/texte", ["https://x.com/a"]),
        .init("not wrapped: indented", "https://x.com/a/\n  b/c", ["https://x.com/a/"]),
        .init(
            "angle brackets across lines", "<https://www.w3.org/Addressing/\n      ReferenceImplementation.html>",
            ["https://www.w3.org/Addressing/ReferenceImplementation.html"]),
        .init("<URL:...> across lines", "<URL:http://www.w3.org/Addr\n essing/>", ["http://www.w3.org/Addressing/"]),
        .init("angle bracket never closed", "<https://x.com/a\nb c", ["https://x.com/a"]),

        // Not links.
        .init("email", "écrivez à jean@exemple.fr svp", []),
        .init("dotted email", "jean.dupont@exemple.fr", []),
        .init("mailto", "mailto:jean@exemple.fr", []),
        .init("file names", "voir fichier.txt et rapport.pdf, capture.png", []),
        .init("file name with a path-like tail", "rapport.pdf/annexe", []),
        .init("initial and name", "M.Dupont a dit", []),
        .init("missing space after a period", "Hier soir.De plus, ça.Il", []),
        .init("version numbers", "version 1.2.3 et 3.14", []),
        .init("abbreviations", "e.g. ceci, etc. et U.S.A", []),
        .init("point in prose", "mon point de vue, un point important, au point mort", []),
        .init("dot in prose", "a polka dot dress", []),
        .init("brackets in prose", "la fonction f(x) et la note [1] (.)", []),
        .init("other schemes", "ftp://exemple.com/x et file:///etc/passwd", []),
        .init("scheme only", "http:// et https://", []),
        .init("single-label host", "https://localhost/x http://intranet/", []),
        .init("www without TLD", "www.exemple", []),
        .init("unknown TLD without path", "Node.js et le site.mairie", []),
    ]

    @Test("extracts the URLs a citizen pointed at", arguments: cases)
    func extracts(_ testCase: ExtractionCase) {
        #expect(URLExtractor().extract(text: testCase.text) == testCase.expected)
    }

    @Test func wrappedLineFixtureIsAtTheEdge() {
        #expect(Self.wrappedLine.count == 76)
    }

    @Test func ignoredHostsAndSubdomains() {
        let extractor = URLExtractor(ignoredHosts: ["Ville.fr", ".signalement.gouv.fr"])
        let text = """
            Bonjour, suite à https://www.ville.fr/signaler voici https://x.com/a et https://VILLE.FR/x,
            https://ville.fr.evil.com/p, https://notville.fr/q et https://signalement.gouv.fr/r
            """
        #expect(
            extractor.extract(text: text)
                == ["https://x.com/a", "https://ville.fr.evil.com/p", "https://notville.fr/q"])
        #expect(extractor.extract(text: "", links: ["https://m.ville.fr/", "https://y.org/"]) == ["https://y.org/"])
    }

    @Test func htmlLinks() {
        let links = [
            "https://x.com/b", "mailto:a@b.fr", "tel:+33123456789", "cid:image001.png@01D", "javascript:void(0)",
            "#top", "/relative/path", "HTTP://y.org/z", "  https://x.com/c  ", "https://x.com/a", "http://",
            "https://", "ftp://f.org/",
        ]
        #expect(
            URLExtractor().extract(text: "Voir https://x.com/a", links: links)
                == ["https://x.com/a", "https://x.com/b", "http://y.org/z", "https://x.com/c"])
    }

    @Test func hostOfURL() {
        #expect(URLExtractor.host(of: "https://User@WWW.Exemple.fr.:8080/a") == "www.exemple.fr")
        #expect(URLExtractor.host(of: "http://[2001:DB8::1]:80/") == "[2001:db8::1]")
        #expect(URLExtractor.host(of: "exemple.fr") == nil)
    }

    static let refangCases: [(String, String)] = [
        ("hxxps://exemple[.]com/a", "https://exemple.com/a"),
        ("hXXp://a(.)b{.}c", "http://a.b.c"),
        ("h**ps[:]//x[dot]y", "https://x.y"),
        ("https[://]x.fr", "https://x.fr"),
        ("https://   x.fr", "https://x.fr"),
        ("exemple point gouv point fr", "exemple.gouv.fr"),
        ("un point de vue", "un point de vue"),
        ("un point important", "un point important"),
        ("f(x) [1] (.) [.]", "f(x) [1] (.) [.]"),
        ("https://x.fr", "https://x.fr"),
        ("le http du site", "le http du site"),
        ("hxxps://[2001:db8::1]/", "hxxps://[2001:db8::1]/"),
    ]

    @Test("refang", arguments: refangCases)
    func refang(_ pair: (String, String)) {
        #expect(Refang.refang(pair.0) == pair.1)
    }

    /// Pathological inputs must stay linear: no re-scanning of long runs of dots, brackets or markers.
    @Test func pathologicalInputsStayFast() {
        let inputs = [
            String(repeating: "a.", count: 50_000),
            String(repeating: "(", count: 100_000) + "https://x.com/" + String(repeating: ")", count: 100_000),
            String(repeating: "x point ", count: 20_000),
            String(repeating: "hxxp", count: 25_000),
            String(repeating: "https://", count: 12_000),
            String(repeating: "https://x.com/a/\n", count: 5_000),
            String(repeating: "<https://x.com/\n", count: 5_000),
            String(repeating: "[.]", count: 30_000),
        ]
        let extractor = URLExtractor()
        let clock = ContinuousClock()
        for input in inputs {
            let elapsed = clock.measure { _ = extractor.extract(text: input) }
            // Debug builds are slow; a quadratic scan of 100 KB would take minutes.
            #expect(elapsed < .seconds(3), "\(input.prefix(20))… took \(elapsed)")
        }
    }

    @Test func typicalReportThroughput() {
        let report = """
            Bonjour,

            Je vous signale ce message haineux publié hier soir : https://x.com/compte_haineux/status/1790000000000000001
            ainsi que la vidéo « https://www.youtube.com/watch?v=abcDEF12345 » et le groupe t.me/groupe_haine.
            Il y a aussi hxxps://forum-exemple[.]fr/sujet/12345-titre-du-sujet?page=2 (voir le message n° 3).

            Merci de votre action,
            Jean Dupont
            jean.dupont@exemple.fr

            """
        let text = String(repeating: report, count: 8)
        let extractor = URLExtractor()
        #expect(
            extractor.extract(text: text) == [
                "https://x.com/compte_haineux/status/1790000000000000001",
                "https://www.youtube.com/watch?v=abcDEF12345",
                "https://t.me/groupe_haine",
                "https://forum-exemple.fr/sujet/12345-titre-du-sujet?page=2",
            ])
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<200 { _ = extractor.extract(text: text) }
        }
        // 200 × 4 KB; release mode is far faster (see the report), this only catches accidents in debug.
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }
}
