import CEtpan
import Foundation
import VigieCore

/// Address headers read with libetpan's RFC 5322 parser, display names RFC 2047-decoded; a forgiving fallback for
/// the malformed lists real mail contains.
enum AddressList {
    /// Every mailbox in an address-list value (group members included), in order.
    static func parse(_ value: [UInt8]) -> [MailAddress] {
        guard !value.isEmpty else { return [] }
        var list: UnsafeMutablePointer<mailimf_address_list>?
        var index = 0
        let r = value.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) {
                mailimf_address_list_parse($0.baseAddress, $0.count, &index, &list)
            }
        }
        var result: [MailAddress] = []
        if r == Int32(MAILIMF_NO_ERROR), let list {
            defer { mailimf_address_list_free(list) }
            let addresses = MIMEPart.list(list.pointee.ad_list) { (a: UnsafeMutablePointer<mailimf_address>) in a }
            for address in addresses {
                switch Int(address.pointee.ad_type) {
                case MAILIMF_ADDRESS_MAILBOX:
                    if let mb = address.pointee.ad_data.ad_mailbox, let m = mailbox(mb) { result.append(m) }
                case MAILIMF_ADDRESS_GROUP:
                    guard let group = address.pointee.ad_data.ad_group, let mbList = group.pointee.grp_mb_list else {
                        continue
                    }
                    let boxes = MIMEPart.list(mbList.pointee.mb_list) { (m: UnsafeMutablePointer<mailimf_mailbox>) in m
                    }
                    result += boxes.compactMap(mailbox)
                default:
                    continue
                }
            }
            // libetpan stops at the first thing it cannot read; trust it only when it read (nearly) everything.
            let rest = value[min(index, value.count)...]
            if rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ";") }) {
                if result.allSatisfy({ $0.address.utf8.contains(UInt8(ascii: "@")) && !$0.address.utf8.contains(0x22) })
                {
                    // `addr (Name)`: the old comment form carries the only name there is.
                    if result.count == 1, result[0].name == nil, let name = commentName(value) {
                        result[0].name = name
                    }
                    return result
                }
            }
        }
        let fallback = fallbackParse(value)
        return fallback.isEmpty ? result : fallback
    }

    static func mailbox(_ mb: UnsafeMutablePointer<mailimf_mailbox>) -> MailAddress? {
        let address = MIMEPart.string(mb.pointee.mb_addr_spec)
        guard !address.isEmpty else { return nil }
        var name: String?
        if let display = mb.pointee.mb_display_name {
            let decoded = cleanName(RFC2047.decode(Array(MIMEPart.string(display).utf8)))
            if !decoded.isEmpty { name = decoded }
        }
        return MailAddress(name: name, address: address)
    }

    /// Reads `Name <addr>`, `addr (Name)` and bare addresses from a list libetpan refused, split on commas outside
    /// quotes and angle brackets.
    static func fallbackParse(_ value: [UInt8]) -> [MailAddress] {
        var items: [[UInt8]] = []
        var current: [UInt8] = []
        var inQuote = false
        var inAngle = false
        for c in value {
            if c == UInt8(ascii: "\"") { inQuote.toggle() }
            if !inQuote {
                if c == UInt8(ascii: "<") { inAngle = true }
                if c == UInt8(ascii: ">") { inAngle = false }
            }
            if c == UInt8(ascii: ","), !inQuote, !inAngle {
                items.append(current)
                current = []
            } else {
                current.append(c)
            }
        }
        items.append(current)
        return items.compactMap { item in
            let text = String(decoding: item, as: UTF8.self)
            if let open = text.lastIndex(of: "<"), let close = text[open...].firstIndex(of: ">") {
                let address = text[text.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
                guard !address.isEmpty else { return nil }
                let name = cleanName(RFC2047.decode(String(text[..<open])))
                return MailAddress(name: name.isEmpty ? nil : name, address: address)
            }
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let word = words.first(where: { $0.contains("@") }) else { return nil }
            let address = word.trimmingCharacters(in: CharacterSet(charactersIn: "<>()\"'"))
            var name: String?
            if let open = text.firstIndex(of: "("), let close = text[open...].firstIndex(of: ")") {
                let n = cleanName(RFC2047.decode(String(text[text.index(after: open)..<close])))
                if !n.isEmpty { name = n }
            }
            return MailAddress(name: name, address: address)
        }
    }

    /// The text of the last `(comment)` in a value, RFC 2047-decoded.
    static func commentName(_ value: [UInt8]) -> String? {
        guard let close = value.lastIndex(of: UInt8(ascii: ")")),
            let open = value[..<close].lastIndex(of: UInt8(ascii: "("))
        else { return nil }
        let name = cleanName(RFC2047.decode(Array(value[(open + 1)..<close])))
        return name.isEmpty ? nil : name
    }

    /// Without surrounding blanks and quotes, `\"` unescaped; byte-wise, since it runs for every address.
    static func cleanName(_ name: String) -> String {
        var u = Array(name.utf8)
        func trim() {
            var start = 0
            var end = u.count
            while start < end, u[start] == 0x20 || u[start] == 0x09 || u[start] == 0x0A || u[start] == 0x0D {
                start += 1
            }
            while end > start, u[end - 1] == 0x20 || u[end - 1] == 0x09 || u[end - 1] == 0x0A || u[end - 1] == 0x0D {
                end -= 1
            }
            if start > 0 || end < u.count { u = Array(u[start..<end]) }
        }
        trim()
        for quote in [UInt8(ascii: "\""), UInt8(ascii: "'")] where u.count >= 2 && u.first == quote && u.last == quote {
            u = Array(u[1..<(u.count - 1)])
        }
        if u.contains(UInt8(ascii: "\\")) {
            var out: [UInt8] = []
            var i = 0
            while i < u.count {
                if u[i] == UInt8(ascii: "\\"), i + 1 < u.count, u[i + 1] == UInt8(ascii: "\"") { i += 1 }
                out.append(u[i])
                i += 1
            }
            u = out
        }
        trim()
        return String(decoding: u, as: UTF8.self)
    }
}
