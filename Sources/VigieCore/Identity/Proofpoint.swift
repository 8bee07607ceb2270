import Foundation

/// Proofpoint URL Defense decoding, after Proofpoint's published `urldecoder.py` (v3 format).
enum Proofpoint {
    /// `**X` stands for a run of characters whose length is X's position in this alphabet plus 2.
    private static let runAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The URL inside `https://urldefense.com/v3/__URL__;BASE64!…`; nil when it cannot be decoded.
    ///
    /// URL is percent-decoded, then each `*` takes the next character of BASE64 (URL-safe base64 of UTF-8) and each
    /// `**X` the next run of characters; `https:/host` (one slash, as Proofpoint sometimes writes it) gets its second.
    static func decodeV3(_ raw: String) -> String? {
        guard let start = raw.range(of: "/v3/__") else { return nil }
        let rest = raw[start.upperBound...]
        guard let end = rest.range(of: "__;") else { return nil }
        let afterURL = rest[end.upperBound...]
        guard let bang = afterURL.firstIndex(of: "!") else { return nil }
        var embedded = String(rest[..<end.lowerBound])
        guard !embedded.isEmpty else { return nil }
        embedded = restoringSecondSlash(embedded)
        embedded = URLNormalizer.percentDecoded(embedded)

        var base64 = String(afterURL[..<bang]).replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        guard let bytes = Data(base64Encoded: base64), let text = String(data: bytes, encoding: .utf8) else {
            return nil
        }
        let carried = Array(text.unicodeScalars)
        var marker = 0
        var out = String.UnicodeScalarView()
        let scalars = Array(embedded.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            guard c == "*" else {
                out.append(c)
                i += 1
                continue
            }
            if i + 2 < scalars.count, scalars[i + 1] == "*" {
                let code = scalars[i + 2]
                guard code.isASCII, let index = runAlphabet.firstIndex(of: UInt8(code.value)) else { return nil }
                let length = index + 2
                guard marker + length <= carried.count else { return nil }
                out.append(contentsOf: carried[marker..<marker + length])
                marker += length
                i += 3
            } else {
                guard marker < carried.count else { return nil }
                out.append(carried[marker])
                marker += 1
                i += 1
            }
        }
        return String(out)
    }

    /// `https:/example.com` → `https://example.com` (Proofpoint's `v3_single_slash` repair).
    private static func restoringSecondSlash(_ s: String) -> String {
        let u = Array(s.utf8)
        guard let colon = u.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return s }
        let schemeOK = u[..<colon].allSatisfy { c in
            (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "+")
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "-")
        }
        guard schemeOK, colon + 2 < u.count, u[colon + 1] == UInt8(ascii: "/"), u[colon + 2] != UInt8(ascii: "/")
        else { return s }
        return String(decoding: u[...colon] + Array("/".utf8) + u[(colon + 1)...], as: UTF8.self)
    }

    /// v1 and v2 targets may hold `&amp;` where the original had `&`.
    static func unescapingAmpersands(_ s: String) -> String {
        s.contains("&amp;") ? s.replacingOccurrences(of: "&amp;", with: "&") : s
    }
}
