import Crypto
import Foundation
import VigieCore

/// Per-subscriber tokens for unsubscribe links and VERP bounce addresses: `ID-MAC`, the subscriber id in base 36 and
/// 96 bits of HMAC-SHA256 over (id, salt, list) under the configured secret, in lowercase hex — unforgeable, safe in a
/// URL path and in an address local part, and immune to the case folding some mail systems apply to local parts.
public struct UnsubscribeTokens: Sendable {
    /// The key bytes; a `SymmetricKey` is made per use (it is not Sendable).
    let secret: [UInt8]
    let listID: String

    /// `secret` must be at least 16 bytes.
    public init(secret: [UInt8], listID: String) throws {
        guard secret.count >= 16 else {
            throw ConfigError(
                "the newsletter secret is \(secret.count) bytes; use at least 16 random bytes "
                    + "(e.g. head -c 32 /dev/urandom | base64)")
        }
        self.secret = secret
        self.listID = listID
    }

    /// The token of a subscriber; bumping `salt` revokes the previous ones.
    public func token(subscriberID: Int64, salt: Int) -> String {
        String(subscriberID, radix: 36) + "-" + mac(subscriberID, salt)
    }

    /// The subscriber id a token claims, before verification.
    public static func claimedID(_ token: String) -> Int64? {
        let parts = token.lowercased().split(separator: "-")
        guard parts.count == 2, parts[1].count == 24 else { return nil }
        return Int64(parts[0], radix: 36)
    }

    /// True when the token is the one issued for this subscriber and salt (constant-time comparison).
    public func verify(_ token: String, subscriberID: Int64, salt: Int) -> Bool {
        let expected = Array(self.token(subscriberID: subscriberID, salt: salt).utf8)
        let given = Array(token.lowercased().utf8)
        guard expected.count == given.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<expected.count { diff |= expected[i] ^ given[i] }
        return diff == 0
    }

    private func mac(_ id: Int64, _ salt: Int) -> String {
        let message = Array("\(id)|\(salt)|\(listID)".utf8)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return Hex.encode(Array(code).prefix(12))
    }
}
