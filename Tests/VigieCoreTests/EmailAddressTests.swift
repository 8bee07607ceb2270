import Testing
import VigieCore

@Suite struct EmailAddressTests {
    static let local64 = String(repeating: "a", count: 64)
    static let label63 = String(repeating: "b", count: 63)

    @Test(arguments: [
        // Valid, normalised (domain lowercased, local part kept).
        ("jean.dupont@example.org", "jean.dupont@example.org"),
        ("Jean.Dupont@Example.ORG", "Jean.Dupont@example.org"),
        ("  padded@example.org  ", "padded@example.org"),
        ("user+tag@example.org", "user+tag@example.org"),
        ("bounces+Ab9_-x@vigie.example.org", "bounces+Ab9_-x@vigie.example.org"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("!#$%&'*+-/=?^_`{|}~@example.org", "!#$%&'*+-/=?^_`{|}~@example.org"),
        ("a@b.co", "a@b.co"),
        ("x@sub-domain.example-site.fr", "x@sub-domain.example-site.fr"),
        ("x@xn--bcher-kva.example", "x@xn--bcher-kva.example"),
        ("x@123.example.org", "x@123.example.org"),
        ("\"john doe\"@example.org", "\"john doe\"@example.org"),
        ("\"a@b\"@example.org", "\"a@b\"@example.org"),
        ("\"quote\\\"inside\"@example.org", "\"quote\\\"inside\"@example.org"),
        ("\"dots..ok\"@example.org", "\"dots..ok\"@example.org"),
        (local64 + "@example.org", local64 + "@example.org"),
        ("x@" + label63 + ".org", "x@" + label63 + ".org"),
    ])
    func accepts(input: String, expected: String) {
        #expect(EmailAddress.validate(input) == expected)
    }

    @Test(arguments: [
        "",
        "plainaddress",
        "@example.org",
        "user@",
        "user@localhost",
        "user@example",
        ".user@example.org",
        "user.@example.org",
        "us..er@example.org",
        "us er@example.org",
        "user@exa mple.org",
        "user(comment)@example.org",
        "user@example..org",
        "user@.example.org",
        "user@example.org.",
        "user@-example.org",
        "user@example-.org",
        "user@exam_ple.org",
        "user@192.168.0.1",
        "user@[192.168.0.1]",
        "jean@exämple.org",
        "jéan@example.org",
        "a\"b@example.org",
        "\"unterminated@example.org",
        "\"bad\"quote\"@example.org",
        "\"ctrl\u{7}\"@example.org",
        "user@example.org\r\nBcc: evil@example.net",
        "user\n@example.org",
        "<user@example.org>",
        "Jean <user@example.org>",
        String(repeating: "a", count: 65) + "@example.org",
        "x@" + String(repeating: "b", count: 64) + ".org",
        "x@" + Array(repeating: String(repeating: "c", count: 60), count: 5).joined(separator: ".") + ".org",
    ])
    func rejects(input: String) {
        #expect(EmailAddress.validate(input) == nil)
    }

    @Test func totalLengthLimitIs254() {
        // 64 + 1 + 189 = 254 accepted; one more octet rejected.
        let domain189 = [
            String(repeating: "d", count: 63), String(repeating: "e", count: 63),
            String(repeating: "f", count: 57), "org",
        ].joined(separator: ".")
        #expect(domain189.count == 189)
        #expect(EmailAddress.validate(Self.local64 + "@" + domain189) != nil)
        #expect(EmailAddress.validate(Self.local64 + "@g" + domain189) == nil)
    }
}
