import CEtpan
import Foundation
import VigieCore

/// Reads the structured header values a report needs: dates through libetpan's RFC 5322 parser (with a forgiving
/// fallback), message identifiers without their angle brackets.
enum HeaderValues {
    /// The instant of a Date header value.
    static func date(_ value: [UInt8]) -> Date? {
        guard !value.isEmpty else { return nil }
        var index = 0
        var parsed: UnsafeMutablePointer<mailimf_date_time>?
        let r = value.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) { mailimf_date_time_parse($0.baseAddress, $0.count, &index, &parsed) }
        }
        if r == Int32(MAILIMF_NO_ERROR), let parsed {
            defer { mailimf_date_time_free(parsed) }
            // Accept libetpan's reading only when nothing but blanks or a comment such as "(CEST)" is left over.
            if onlyCommentLeft(value, from: index) {
                let d = parsed.pointee
                let zone = Int(d.dt_zone)
                let sign = zone < 0 ? -1 : 1
                let offset = sign * ((abs(zone) / 100) * 3600 + (abs(zone) % 100) * 60)
                if let date = MailDate.make(
                    year: Int(d.dt_year), month: Int(d.dt_month), day: Int(d.dt_day),
                    hour: Int(d.dt_hour), minute: Int(d.dt_min), second: Int(d.dt_sec),
                    offsetSeconds: offset)
                {
                    return date
                }
            }
        }
        return MailDate.parse(String(decoding: value, as: UTF8.self))
    }

    static func onlyCommentLeft(_ value: [UInt8], from index: Int) -> Bool {
        var depth = 0
        for c in value[min(index, value.count)...] {
            if c == UInt8(ascii: "(") {
                depth += 1
            } else if c == UInt8(ascii: ")") {
                depth -= 1
            } else if depth == 0 && c != 0x20 && c != 0x09 && c != 0x0D && c != 0x0A {
                return false
            }
        }
        return true
    }

    /// The first message identifier in a Message-ID / In-Reply-To / References value, without `<` and `>`.
    static func messageID(_ value: [UInt8]) -> String? {
        if let open = value.firstIndex(of: UInt8(ascii: "<")),
            let close = value[open...].firstIndex(of: UInt8(ascii: ">")), close > open + 1
        {
            var start = open + 1
            var end = close
            while start < end, value[start] == 0x20 || value[start] == 0x09 { start += 1 }
            while end > start, value[end - 1] == 0x20 || value[end - 1] == 0x09 { end -= 1 }
            return start < end ? String(decoding: value[start..<end], as: UTF8.self) : nil
        }
        let text = String(decoding: value, as: UTF8.self)
        guard let first = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).first else { return nil }
        let id = first.trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
        return id.isEmpty ? nil : id
    }

    /// True for a syntactically valid media type (`type/subtype`, then parameters).
    static func isValidMediaType(_ value: [UInt8]) -> Bool {
        var i = 0
        let n = value.count
        func isToken(_ c: UInt8) -> Bool {
            switch c {
            case 0...0x20, 0x7F...0xFF: return false
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"),
                UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""),
                UInt8(ascii: "/"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "?"), UInt8(ascii: "="):
                return false
            default: return true
            }
        }
        while i < n, value[i] == 0x20 || value[i] == 0x09 { i += 1 }
        let typeStart = i
        while i < n, isToken(value[i]) { i += 1 }
        guard i > typeStart, i < n, value[i] == UInt8(ascii: "/") else { return false }
        i += 1
        let subStart = i
        while i < n, isToken(value[i]) { i += 1 }
        guard i > subStart else { return false }
        while i < n, value[i] == 0x20 || value[i] == 0x09 { i += 1 }
        return i == n || value[i] == UInt8(ascii: ";") || value[i] == UInt8(ascii: "(")
    }
}
