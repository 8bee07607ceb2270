import Testing
import VigieCore

@Suite("HTMLText")
struct HTMLTextTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var html: String
        var text: String
        var links: [String] = []
        var testDescription: String { html }
    }

    static let cases: [Case] = [
        Case(
            html: "<p>Bonjour,</p><p>Voir <a href=\"https://x.com/a/status/1?s=20\">ce tweet</a>.</p>",
            text: "Bonjour,\n\nVoir ce tweet.", links: ["https://x.com/a/status/1?s=20"]),
        Case(
            html: "<html><head><title>T</title><style>p{color:red}</style></head><body>Texte</body></html>",
            text: "Texte"),
        Case(html: "a<script>var s = '<a href=\"https://no.example/\">';</script>b", text: "ab"),
        Case(html: "un<br>deux<br/>trois<br><br>quatre", text: "un\ndeux\ntrois\n\nquatre"),
        Case(
            html: "<ul><li>un</li><li>deux</li></ul><div>trois</div><h2>titre</h2>fin",
            text: "un\ndeux\ntrois\n\ntitre\n\nfin"),
        Case(html: "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", text: "a b\nc"),
        Case(html: "<blockquote>cité</blockquote>suite", text: "cité\n\nsuite"),
        Case(
            html: "d&eacute;j&agrave; &amp; l&#39;&eacute;t&eacute; &#x2F; 50&nbsp;&euro; &laquo;ok&raquo;",
            text: "déjà & l'été / 50 € «ok»"),
        Case(html: "&unknown; &amp &#0; &#x110000;", text: "&unknown; &amp \u{FFFD} \u{FFFD}"),
        Case(html: "  beaucoup   d'espaces\n\n\tet   de\r\nlignes  ", text: "beaucoup d'espaces et de lignes"),
        Case(
            html: "<p class=MsoNormal>Bonjour<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p>Fin</p>",
            text: "Bonjour\n\nFin"),
        Case(
            html:
                "<a href='https://a.example/?x=1&amp;y=2'>a</a><img src=\"cid:img1\" alt=x><a href=  b.example >b</a>",
            text: "ab", links: ["https://a.example/?x=1&y=2", "cid:img1", "b.example"]),
        Case(
            html: "<A HREF=\"HTTPS://UP.EXAMPLE/\">up</A><IMG SRC=\"https://img.example/i.png\">",
            text: "up", links: ["HTTPS://UP.EXAMPLE/", "https://img.example/i.png"]),
        Case(html: "<!-- <a href=\"https://comment.example/\"> -->visible<!DOCTYPE html><?xml x?>", text: "visible"),
        Case(html: "1 < 2 et 3 > 2", text: "1 < 2 et 3 > 2"),
        Case(
            html: "<a href=\"\">vide</a><a href=\"  https://trim.example/  \">t</a>", text: "videt",
            links: ["https://trim.example/"]),
        // Unclosed elements and control characters inside tags must neither hang nor lose the rest.
        Case(html: "<html><head><meta charset=utf-8><p>corps sans fin de head", text: "corps sans fin de head"),
        Case(
            html: "<a \u{1}\u{0B}href=\"https://ctl.example/\">c</a><a href", text: "c", links: ["https://ctl.example/"]
        ),
        Case(html: "<style>jamais fermé", text: ""),
        Case(html: "<!-- jamais fermé", text: ""),
    ]

    @Test(arguments: cases)
    func reduce(_ c: Case) {
        let (text, links) = HTMLText.reduce(c.html)
        #expect(text == c.text)
        #expect(links == c.links)
    }

    @Test func decodeEntities() {
        #expect(HTMLText.decodeEntities("l&#39;&eacute;quipe &#x2F; &lt;b&gt;") == "l'équipe / <b>")
        #expect(HTMLText.decodeEntities("sans entité") == "sans entité")
    }

    @Test func hostileInputStaysLinear() {
        let clock = ContinuousClock()
        let inputs = [
            String(repeating: "<script>", count: 20_000),
            String(repeating: "<head>", count: 20_000),
            String(repeating: "<a href=\"", count: 20_000),
            String(repeating: "<!--", count: 20_000),
            String(repeating: "&#x", count: 50_000),
            String(repeating: "<b>&eacute;</b>", count: 20_000),
        ]
        for input in inputs {
            let elapsed = clock.measure { _ = HTMLText.reduce(input) }
            #expect(elapsed < .seconds(2), "\(input.prefix(12))")
        }
    }
}
