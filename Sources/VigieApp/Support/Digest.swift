import Crypto
import Foundation
import VigieCore

/// Hashing helpers for content addressing.
enum Digest {
    /// Lowercase hex SHA-256 of the bytes.
    static func sha256Hex(_ bytes: [UInt8]) -> String {
        Hex.encode(SHA256.hash(data: bytes))
    }
}
