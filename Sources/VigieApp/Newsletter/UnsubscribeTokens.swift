import Crypto
import Foundation
import VigieCore

/// Per-subscriber tokens for unsubscribe links and VERP bounce addresses: `ID-MAC`, the subscriber id in base 36 and
/// 96 bits of HMAC-SHA256 over (id, salt, list) under the configured secret, in lowercase hex — unforgeable, safe in a
/// URL path and in an address local part, and immune to the case folding some mail systems apply to local parts.
public struct UnsubscribeTokens: Sendable {
    let secret: [UInt8]
    let listID: String
    /// The HMAC key schedule, done once.
    let state: KeyState
    /// `|` and the list id, the end of every MAC'd message.
    let listSuffix: [UInt8]

    /// `secret` must be at least 16 bytes.
    public init(secret: [UInt8], listID: String) throws {
        guard secret.count >= 16 else {
            throw ConfigError(
                "the newsletter secret is \(secret.count) bytes; use at least 16 random bytes "
                    + "(e.g. head -c 32 /dev/urandom | base64)")
        }
        self.secret = secret
        self.listID = listID
        // HMAC (RFC 2104) with its key schedule done once: the hash states after the inner and the outer padded key.
        var key = secret.count > 64 ? Array(SHA256.hash(data: secret)) : secret
        key += [UInt8](repeating: 0, count: 64 - key.count)
        var inner = SHA256()
        inner.update(data: key.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(data: key.map { $0 ^ 0x5C })
        state = KeyState(inner: inner, outer: outer)
        listSuffix = [0x7C] + Array(listID.utf8)
    }

    /// The token of a subscriber; bumping `salt` revokes the previous ones.
    public func token(subscriberID: Int64, salt: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(40)
        Self.appendNumber(subscriberID, radix: 36, to: &out)
        out.append(0x2D)
        appendMAC(subscriberID, salt, to: &out)
        return String(decoding: out, as: UTF8.self)
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

    /// The first 96 bits of HMAC-SHA256 over `ID|SALT|LIST` (decimal numbers), in lowercase hex.
    private func appendMAC(_ id: Int64, _ salt: Int, to out: inout [UInt8]) {
        var message: [UInt8] = []
        message.reserveCapacity(48 + listSuffix.count)
        Self.appendNumber(id, radix: 10, to: &message)
        message.append(0x7C)
        Self.appendNumber(Int64(salt), radix: 10, to: &message)
        message.append(contentsOf: listSuffix)
        var inner = state.inner
        inner.update(data: message)
        let innerDigest = inner.finalize()
        var outer = state.outer
        innerDigest.withUnsafeBytes { outer.update(bufferPointer: $0) }
        outer.finalize().withUnsafeBytes { code in
            for b in code.prefix(12) { Hex.append(b, to: &out) }
        }
    }

    /// SHA-256 after absorbing the key XOR ipad, and after the key XOR opad. `@unchecked Sendable`: never mutated
    /// after init; a user copies a state and updates the copy, which then gets a context of its own (copy on write).
    struct KeyState: @unchecked Sendable {
        let inner: SHA256
        let outer: SHA256
    }

    /// `String(n, radix:)` (lowercase digits, `-` for negatives) appended as bytes.
    static func appendNumber(_ n: Int64, radix: UInt64, to out: inout [UInt8]) {
        if n < 0 { out.append(0x2D) }
        var v = n.magnitude
        let start = out.count
        repeat {
            out.append(Hex.digit(UInt8(v % radix)))
            v /= radix
        } while v > 0
        out[start...].reverse()
    }
}
