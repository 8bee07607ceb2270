import Crypto
import Foundation

/// Hashing helpers for content addressing.
enum Digest {
    /// Lowercase hex SHA-256 of the bytes.
    static func sha256Hex(_ bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        var out = ""
        out.reserveCapacity(64)
        let hex = Array("0123456789abcdef".utf8)
        var chars = [UInt8]()
        chars.reserveCapacity(64)
        for b in digest {
            chars.append(hex[Int(b >> 4)])
            chars.append(hex[Int(b & 0x0F)])
        }
        out = String(decoding: chars, as: UTF8.self)
        return out
    }
}
