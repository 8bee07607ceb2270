import Testing
import VigieCore

struct HexTests {
    @Test(arguments: [
        ([UInt8](), false, ""),
        ([0x00, 0x0F, 0x10, 0xFF], false, "000f10ff"),
        ([0x00, 0x0F, 0x10, 0xFF], true, "000F10FF"),
        (Array("é".utf8), true, "C3A9"),
        ([0x9A, 0xBC, 0xDE], false, "9abcde"),
    ])
    func encodesTwoDigitsPerByte(bytes: [UInt8], uppercase: Bool, expected: String) {
        #expect(Hex.encode(bytes, uppercase: uppercase) == expected)
        var appended: [UInt8] = []
        for b in bytes { Hex.append(b, to: &appended, uppercase: uppercase) }
        #expect(String(decoding: appended, as: UTF8.self) == expected)
    }

    @Test func digitsOfEveryNibble() {
        #expect((0..<16).map { Hex.digit(UInt8($0)) } == Array("0123456789abcdef".utf8))
        #expect((0..<16).map { Hex.digit(UInt8($0), uppercase: true) } == Array("0123456789ABCDEF".utf8))
    }
}
