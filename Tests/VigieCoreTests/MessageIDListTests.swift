import Testing
import VigieCore

/// The Message-IDs a reply names, as platforms' ticketing systems write `In-Reply-To` and `References`.
@Suite struct MessageIDListTests {
    @Test(arguments: [
        ("<notice.12.abc@example.org>", ["notice.12.abc@example.org"]),
        ("<a@x> <b@y>\r\n <c@z>", ["a@x", "b@y", "c@z"]),
        ("<a@x> <a@x>", ["a@x"]),
        ("notice.12.abc@example.org", ["notice.12.abc@example.org"]),
        ("Your message of 2 Dec <a@x>", ["a@x"]),
        ("", []),
        ("<>", []),
        ("<unterminated@x", []),
    ])
    func ids(header: String, expected: [String]) {
        #expect(MessageIDList.ids(in: header) == expected)
    }
}
