import Foundation
import VigieCore

/// Readable text out of message bytes the MIME walk could not structure (past the part or nesting limits), so the
/// links they hold still reach moderators. Linear in the input: parts are recognised line by line from their
/// `Content-Transfer-Encoding` header, quoted-printable and base64 bodies are decoded, everything else is kept as is.
enum RawTextScan {
    enum Encoding { case identity, quotedPrintable, base64 }

    /// The text of `bytes`, transfer encodings undone where a part header announced them; `inHeaders` when `bytes`
    /// start with a part's header block.
    static func readable(_ bytes: UnsafeBufferPointer<UInt8>, inHeaders startsInHeaders: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var encoding = Encoding.identity
        var inHeaders = startsInHeaders
        var base64Run: [UInt8] = []
        var pendingSoftBreak = false

        func flushBase64() {
            guard !base64Run.isEmpty else { return }
            if let data = Data(base64Encoded: Data(base64Run), options: .ignoreUnknownCharacters),
                looksLikeText(data)
            {
                out.append(contentsOf: data)
                out.append(0x0A)
            }
            base64Run.removeAll(keepingCapacity: true)
        }

        var i = 0
        let n = bytes.count
        while i < n {
            var end = i
            while end < n, bytes[end] != 0x0A { end += 1 }
            let next = end < n ? end + 1 : n
            var lineEnd = end
            if lineEnd > i, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let line = UnsafeBufferPointer(rebasing: bytes[i..<lineEnd])
            i = next

            if line.count >= 2, line[0] == 0x2D, line[1] == 0x2D {
                // A boundary line: a new part (its headers follow) or the end of a multipart.
                flushBase64()
                pendingSoftBreak = false
                encoding = .identity
                inHeaders = true
                out.append(0x0A)
                continue
            }
            if inHeaders {
                // Part headers are read for their encoding, never scanned (as in a structured part).
                if line.isEmpty {
                    inHeaders = false
                } else if let e = transferEncoding(line) {
                    encoding = e
                }
                continue
            }
            switch encoding {
            case .identity:
                out.append(contentsOf: line)
                out.append(0x0A)
            case .base64:
                base64Run.append(contentsOf: line)
            case .quotedPrintable:
                pendingSoftBreak = decodeQuotedPrintable(line, into: &out)
                if !pendingSoftBreak { out.append(0x0A) }
            }
        }
        flushBase64()
        return String(decoding: out, as: UTF8.self)
    }

    /// The encoding named by a `Content-Transfer-Encoding:` header line, nil for any other line.
    static func transferEncoding(_ line: UnsafeBufferPointer<UInt8>) -> Encoding? {
        let name = Array("content-transfer-encoding:".utf8)
        guard line.count > name.count else { return nil }
        for k in 0..<name.count where line[k] | 0x20 != name[k] && !(name[k] == 0x2D && line[k] == 0x2D) {
            return nil
        }
        let value = String(decoding: line[name.count...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            .lowercased()
        switch value {
        case "quoted-printable": return .quotedPrintable
        case "base64": return .base64
        default: return .identity
        }
    }

    /// Appends one quoted-printable line decoded; true when it ended with a soft line break.
    static func decodeQuotedPrintable(_ line: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        var k = 0
        while k < line.count {
            let b = line[k]
            if b == 0x3D {
                if k + 1 == line.count { return true }
                if k + 2 < line.count, let h = QuotedPrintable.hexDigit(line[k + 1]),
                    let l = QuotedPrintable.hexDigit(line[k + 2])
                {
                    out.append(h << 4 | l)
                    k += 3
                    continue
                }
            }
            out.append(b)
            k += 1
        }
        return false
    }

    /// Decoded base64 worth scanning: mostly printable (text), not an image or an archive.
    static func looksLikeText(_ data: Data) -> Bool {
        guard !data.isEmpty else { return false }
        let sample = data.prefix(4096)
        let control = sample.filter { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }.count
        return control * 20 <= sample.count
    }
}
