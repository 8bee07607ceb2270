import Foundation
import Testing

@testable import VigieCore

/// The shortcut trims exactly what Foundation trims, whatever sits at either end.
@Suite struct BlankEndsTests {
    static let samples = [
        "", " ", "a", " a", "a ", "\ta\n", "\r\nhttps://x.com/a\r\n", "https://x.com/a", "\u{A0}x\u{A0}", "x\u{2028}",
        "\u{85}x", "é", " é ", "é\u{3000}", "\"<a@b>\"", "<a>", "\u{301}a", "a\u{301}", "\u{1680}",
    ]

    @Test(arguments: samples) func blankEndsMatchFoundation(_ s: String) {
        #expect(s.trimmingBlankEnds() == s.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(s[...].trimmingBlankEnds() == s.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test(arguments: samples) func asciiSetsMatchFoundation(_ s: String) {
        let set: CharacterSet = [" ", "\t", "\"", "<", ">"]
        #expect(s[...].trimming(set) { " \t\"<>".utf8.contains($0) } == s.trimmingCharacters(in: set))
        #expect(s.trimming(set) { " \t\"<>".utf8.contains($0) } == s.trimmingCharacters(in: set))
    }
}
