import Foundation
import Testing
import VigieApp

/// Confirmation links: genuine for 72 h, then refused; any changed character refused; another list's refused.
@Suite struct ConfirmationTokensTests {
    let tokens = ConfirmationTokens(secret: Array("0123456789abcdef-secret".utf8), listID: "L <l.example.org>")
    let asked = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func genuineUntilExpiry() {
        let t = tokens.token(requestID: 42, requestedAt: asked)
        #expect(tokens.verify(t, now: asked) == 42)
        #expect(tokens.verify(t.uppercased(), now: asked) == 42)
        #expect(tokens.verify(t, now: asked.addingTimeInterval(72 * 3600)) == 42)
        #expect(tokens.verify(t, now: asked.addingTimeInterval(72 * 3600 + 1)) == nil)
    }

    @Test func tamperedOrForeignTokensAreRefused() {
        let t = tokens.token(requestID: 42, requestedAt: asked)
        for i in t.indices {
            var chars = Array(t)
            let k = t.distance(from: t.startIndex, to: i)
            guard chars[k] != "-" else { continue }
            chars[k] = chars[k] == "0" ? "1" : "0"
            #expect(tokens.verify(String(chars), now: asked) == nil, "\(String(chars))")
        }
        let other = ConfirmationTokens(secret: Array("0123456789abcdef-secret".utf8), listID: "M <m.example.org>")
        #expect(other.verify(t, now: asked) == nil)
        for junk in ["", "a-b-c", "1-2", "16-zzzzzz-0123456789abcdef01234567", "1a-0123456789abcdef01234567"] {
            #expect(tokens.verify(junk, now: asked) == nil)
        }
    }
}
