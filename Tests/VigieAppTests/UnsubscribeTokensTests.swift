import Crypto
import Foundation
import Testing

@testable import VigieApp

/// Unsubscribe tokens with the HMAC key schedule precomputed: the same tokens as HMAC-SHA256 computed from scratch
/// (swift-crypto's `HMAC`), for short, 64-byte and long (hashed) secrets and any id, salt and list.
@Suite struct UnsubscribeTokensTests {
    /// The token as it was computed before the precomputed key schedule.
    static func reference(secret: [UInt8], listID: String, id: Int64, salt: Int) -> String {
        let message = Array("\(id)|\(salt)|\(listID)".utf8)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        let hex = Array(code).prefix(12).map { String(format: "%02x", $0) }.joined()
        return String(id, radix: 36) + "-" + hex
    }

    @Test(arguments: [16, 63, 64, 65, 200])
    func sameTokensAsHMACFromScratch(secretLength: Int) throws {
        let secret = (0..<secretLength).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ secretLength) }
        for listID in ["Vigie <newsletter.vigie.example.org>", "", "liste accentuée <é.example.org>"] {
            let tokens = try UnsubscribeTokens(secret: secret, listID: listID)
            let ids: [Int64] = [0, 1, 35, 36, 1_000_000, Int64.max, -1, Int64.min] + (0..<300).map { Int64($0 * 7919) }
            for (k, id) in ids.enumerated() {
                let salt = [0, 1, 7, -3, Int.max, Int.min][k % 6]
                let token = tokens.token(subscriberID: id, salt: salt)
                #expect(token == Self.reference(secret: secret, listID: listID, id: id, salt: salt))
                #expect(tokens.verify(token, subscriberID: id, salt: salt))
                #expect(!tokens.verify(token, subscriberID: id, salt: salt &+ 1))
            }
        }
    }

    @Test func concurrentUseGivesTheSameTokens() async throws {
        let tokens = try UnsubscribeTokens(secret: Array("bench-secret-0123456789abcdef".utf8), listID: "L <l.fr>")
        let expected = (0..<2000).map { tokens.token(subscriberID: Int64($0), salt: 0) }
        let results = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<2000).map { tokens.token(subscriberID: Int64($0), salt: 0) } }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for r in results { #expect(r == expected) }
    }
}
