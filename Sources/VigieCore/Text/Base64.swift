/// A forgiving base64 decoder for mail: skips line breaks and stray characters, tolerates missing padding.
enum Base64 {
    static func decode<C: Collection>(_ text: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var chunk: UInt32 = 0
        var count = 0
        for c in text {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): v = 63
            default: continue
            }
            chunk = chunk << 6 | v
            count += 1
            if count == 4 {
                out.append(UInt8(truncatingIfNeeded: chunk >> 16))
                out.append(UInt8(truncatingIfNeeded: chunk >> 8))
                out.append(UInt8(truncatingIfNeeded: chunk))
                chunk = 0
                count = 0
            }
        }
        if count == 2 {
            out.append(UInt8(truncatingIfNeeded: chunk >> 4))
        } else if count == 3 {
            out.append(UInt8(truncatingIfNeeded: chunk >> 10))
            out.append(UInt8(truncatingIfNeeded: chunk >> 2))
        }
        return out
    }
}
