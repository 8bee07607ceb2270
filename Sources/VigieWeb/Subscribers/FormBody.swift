import Foundation

/// The fields of a form body: `application/x-www-form-urlencoded` or `multipart/form-data` (RFC 7578), the two
/// encodings mailbox providers use for the RFC 8058 one-click POST. Files and unknown encodings give no fields.
struct FormBody {
    let fields: [String: String]

    subscript(name: String) -> String? { fields[name] }

    init(contentType: String?, body: [UInt8]) {
        let type = (contentType ?? "").lowercased()
        if type.hasPrefix("multipart/form-data"), let boundary = Self.parameter("boundary", of: contentType ?? "") {
            fields = Self.multipart(body, boundary: boundary)
        } else if type.isEmpty || type.hasPrefix("application/x-www-form-urlencoded") {
            fields = Self.urlencoded(String(decoding: body, as: UTF8.self))
        } else {
            fields = [:]
        }
    }

    /// `a=b&c=d` with `+` as space and percent-escapes; the first value of a repeated name wins.
    static func urlencoded(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(kv[0])
            if out[name] == nil { out[name] = kv.count > 1 ? decode(kv[1]) : "" }
        }
        return out
    }

    /// The text parts of a multipart body, by their `Content-Disposition` name (parts with a filename are skipped).
    static func multipart(_ body: [UInt8], boundary: String) -> [String: String] {
        let text = String(decoding: body, as: UTF8.self)
        var out: [String: String] = [:]
        for part in text.components(separatedBy: "--" + boundary).dropFirst() {
            if part.hasPrefix("--") { break }
            guard let split = part.range(of: "\r\n\r\n") ?? part.range(of: "\n\n") else { continue }
            let head = part[..<split.lowerBound]
            var value = String(part[split.upperBound...])
            // "\r\n" is one Character: one removeLast drops the line end before the boundary either way.
            if value.hasSuffix("\r\n") || value.hasSuffix("\n") { value.removeLast() }
            for line in head.split(whereSeparator: \.isNewline)
            where line.lowercased().hasPrefix("content-disposition:") {
                let disposition = String(line)
                guard Self.parameter("filename", of: disposition) == nil,
                    let name = Self.parameter("name", of: disposition), out[name] == nil
                else { continue }
                out[name] = value
            }
        }
        return out
    }

    /// A `; key=value` or `; key="value"` parameter of a header value.
    static func parameter(_ key: String, of header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let kv = piece.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == key else { continue }
            var v = kv[1].trimmingCharacters(in: .whitespaces)
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            return v
        }
        return nil
    }
}
