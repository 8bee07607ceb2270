import Crypto
import Foundation
import VigieCore

/// The token of a confirmation link (`/confirm/TOKEN`): `ID-EXPIRY-MAC`, the request id and its expiry (Unix time)
/// in base 36 and 96 bits of HMAC-SHA256 over both under the newsletter's secret — unforgeable, expiring, and
/// distinct from unsubscribe tokens (a different message is signed).
public struct ConfirmationTokens: Sendable {
    let secret: [UInt8]
    let listID: String
    /// How long a link works: 72 hours.
    public static let validity: TimeInterval = 72 * 3600

    /// `secret` is the newsletter's (at least 16 bytes, checked by `UnsubscribeTokens`).
    public init(secret: [UInt8], listID: String) {
        self.secret = secret
        self.listID = listID
    }

    /// The token for request `id`, valid until `requestedAt` + 72 h.
    public func token(requestID id: Int64, requestedAt: Date) -> String {
        let expiry = Int64(requestedAt.timeIntervalSince1970 + Self.validity)
        return String(id, radix: 36) + "-" + String(expiry, radix: 36) + "-" + mac(id, expiry)
    }

    /// The request id a token names when it is genuine and not expired at `now`; nil otherwise.
    public func verify(_ token: String, now: Date = Date()) -> Int64? {
        let parts = token.lowercased().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].count == 24, let id = Int64(parts[0], radix: 36),
            let expiry = Int64(parts[1], radix: 36), id > 0
        else { return nil }
        let expected = Array(mac(id, expiry).utf8)
        let given = Array(parts[2].utf8)
        var diff: UInt8 = 0
        for i in 0..<expected.count { diff |= expected[i] ^ given[i] }
        guard diff == 0, Double(expiry) >= now.timeIntervalSince1970 else { return nil }
        return id
    }

    private func mac(_ id: Int64, _ expiry: Int64) -> String {
        let message = Array("confirm|\(id)|\(expiry)|\(listID)".utf8)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return Hex.encode(Array(code).prefix(12))
    }
}
