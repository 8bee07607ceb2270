import Testing
import VigieCore

@Suite struct SafeTextTests {
    /// What a citizen can put in a subject or a body, and what a moderator's terminal receives.
    @Test(arguments: [
        ("plain text, accents é, emoji 🙂", "plain text, accents é, emoji 🙂", "plain text, accents é, emoji 🙂"),
        ("\u{1B}[2Jcleared", "\\u001B[2Jcleared", "\\u001B[2Jcleared"),
        ("\u{1B}]0;title\u{07}", "\\u001B]0;title\\u0007", "\\u001B]0;title\\u0007"),
        ("\u{1B}]52;c;cHduZWQ=\u{1B}\\", "\\u001B]52;c;cHduZWQ=\\u001B\\", "\\u001B]52;c;cHduZWQ=\\u001B\\"),
        ("\u{9B}31mred", "\\u009B31mred", "\\u009B31mred"),
        ("\u{7F}\u{0}", "\\u007F\\u0000", "\\u007F\\u0000"),
        ("abc\u{202E}gpj.exe", "abc\\u202Egpj.exe", "abc\\u202Egpj.exe"),
        (
            "\u{2066}x\u{2069}\u{200E}\u{200F}\u{061C}", "\\u2066x\\u2069\\u200E\\u200F\\u061C",
            "\\u2066x\\u2069\\u200E\\u200F\\u061C"
        ),
        ("line 1\nline 2\tcol", "line 1\\nline 2\\tcol", "line 1\nline 2\tcol"),
        ("crlf\r\nnext\rbare", "crlf\\r\\nnext\\rbare", "crlf\nnext\\rbare"),
        ("a\u{2028}b", "a\\u2028b", "a\\u2028b"),
    ])
    func controlsAreShownNotObeyed(input: String, line: String, block: String) {
        #expect(SafeText.line(input) == line)
        #expect(SafeText.block(input) == block)
        #expect(!SafeText.line(input).unicodeScalars.contains(where: SafeText.isUnsafe))
        #expect(!SafeText.block(input).unicodeScalars.contains { SafeText.isUnsafe($0) && $0 != "\n" && $0 != "\t" })
    }

    @Test func errorsQuoteValuesOnOneLine() {
        #expect(SafeText.quoted("a@b.fr\r\nBcc: x") == "\"a@b.fr\\r\\nBcc: x\"")
    }

    /// JSON keeps its structure and decoded values; what an encoder leaves raw becomes `\uXXXX`.
    @Test func jsonEscapesWhatEncodersLeaveRaw() {
        let json = "{\n  \"s\" : \"a\u{9B}b\u{202E}c\u{7F}\\u001b\"\n}"
        #expect(SafeText.json(json) == "{\n  \"s\" : \"a\\u009Bb\\u202Ec\\u007F\\u001b\"\n}")
    }
}
