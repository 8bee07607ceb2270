import Testing
import VigieCore

@Suite struct EditionTests {
    static let valid = """
        id = "2026-11-21"
        subject = "La lettre"
        date = 2026-11-21
        [[news]]
        kind = "communiqué"
        title = "T"
        summary = "S"
        url = "https://www.example.org/a"
        [[press]]
        title = "P1"
        source = "Le Monde"
        url = "https://www.lemonde.fr/a"
        language = "fr"
        [[press]]
        title = "P2"
        source = "Le Monde"
        url = "https://www.lemonde.fr/b?utm_source=x"
        language = "fr"
        [[press]]
        title = "P3"
        source = "Le Monde"
        url = "https://lemonde.fr/a"
        language = "fr"
        """

    @Test func parsesAndWarnsLikeAnEditor() throws {
        let e = try Edition.parse(Self.valid, file: "e.toml")
        #expect(e.id == "2026-11-21")
        #expect(e.date == "2026-11-21")
        #expect(e.news.first?.kind == .communique)
        #expect(e.press.count == 3)
        let w = EditorialChecks.warnings(for: e) { ContentIdentifier.identify($0)?.key }
        #expect(w.contains { $0.contains("Le Monde holds 3 of 3") })
        #expect(w.contains { $0.contains("no international item") })
        #expect(w.contains { $0.contains("duplicate link") && $0.contains("P3") })
    }

    @Test(arguments: [
        (
            "id = \"x y\"\nsubject = \"s\"\ndate = 2026-11-21\n[[press]]\ntitle=\"t\"\nsource=\"s\"\nurl=\"https://a.fr/x\"\nlanguage=\"fr\"",
            "id"
        ),
        (
            "id = \"x\"\nsubject = \"s\"\n[[press]]\ntitle=\"t\"\nsource=\"s\"\nurl=\"https://a.fr/x\"\nlanguage=\"fr\"",
            "date"
        ),
        (
            "id = \"x\"\nsubject = \"s\"\ndate = 2026-11-21\n[[news]]\nkind=\"tribune\"\ntitle=\"t\"\nurl=\"https://a.fr/x\"",
            "kind"
        ),
        (
            "id = \"x\"\nsubject = \"s\"\ndate = 2026-11-21\n[[press]]\ntitle=\"t\"\nsource=\"s\"\nurl=\"ftp://a.fr/x\"\nlanguage=\"fr\"",
            "url"
        ),
        (
            "id = \"x\"\nsubject = \"s\"\ndate = 2026-11-21\n[[press]]\ntitle=\"t\"\nsource=\"s\"\nurl=\"https://a.fr/x\"\nlanguage=\"fr\"\nauthor=\"z\"",
            "author"
        ),
        ("id = \"x\"\nsubject = \"s\"\ndate = 2026-11-21", "no [[news]]"),
        (
            "id = \"x\"\nsubject = \"s\"\ndate = \"2026-13-45\"\n[[press]]\ntitle=\"t\"\nsource=\"s\"\nurl=\"https://a.fr/x\"\nlanguage=\"fr\"",
            "\"2026-13-45\""
        ),
        (
            "id = \"x\"\nsubject = \"s\"\ndate = \"2026-02-29\"\n[[press]]\ntitle=\"t\"\nsource=\"s\"\nurl=\"https://a.fr/x\"\nlanguage=\"fr\"",
            "calendar date"
        ),
        (
            "id = \"x\"\nsubject = \"s\"\ndate = \"21/11/2026\"\n[[press]]\ntitle=\"t\"\nsource=\"s\"\nurl=\"https://a.fr/x\"\nlanguage=\"fr\"",
            "YYYY-MM-DD"
        ),
        (
            "id = \"x\"\nsubject = \"s\"\ndate = 10:00:00\n[[press]]\ntitle=\"t\"\nsource=\"s\"\nurl=\"https://a.fr/x\"\nlanguage=\"fr\"",
            "calendar date"
        ),
    ])
    func badEditionsNameTheProblem(text: String, mention: String) {
        do {
            _ = try Edition.parse(text, file: "e.toml")
            Issue.record("accepted a bad edition")
        } catch {
            #expect("\(error)".contains("e.toml"))
            #expect("\(error)".contains(mention), "\(error)")
        }
    }
}
