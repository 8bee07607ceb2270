import Foundation

/// Hexadecimal digits: the one encoder behind digests, tokens, percent-escapes and quoted-printable.
public enum Hex {
    /// The ASCII digit of a value 0...15: `0-9` then `a-f`, or `A-F` with `uppercase`.
    @inlinable
    public static func digit(_ value: UInt8, uppercase: Bool = false) -> UInt8 {
        value < 10 ? value &+ 0x30 : value &- 10 &+ (uppercase ? 0x41 : 0x61)
    }

    /// Appends the two digits of `byte` to `out`, high nibble first.
    @inlinable
    public static func append(_ byte: UInt8, to out: inout [UInt8], uppercase: Bool = false) {
        out.append(digit(byte >> 4, uppercase: uppercase))
        out.append(digit(byte & 0x0F, uppercase: uppercase))
    }

    /// The bytes as hex, two digits each, lowercase unless `uppercase`.
    public static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes, uppercase: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes { append(b, to: &out, uppercase: uppercase) }
        return String(decoding: out, as: UTF8.self)
    }
}
