import Foundation
import VigieCore

/// One header field as found in the bytes: name as written, value unfolded but not yet decoded.
struct RawHeaderField {
    var name: String
    var value: [UInt8]

    /// The value with RFC 2047 words decoded, for display and for `ParsedMessage.headers`.
    var decoded: String { RFC2047.decode(value) }
}

/// Splits a header block into fields, unfolding continuation lines; linear in the block's size, so a hostile
/// 20,000-character line costs no more than its bytes.
enum RawHeaders {
    /// Scans the header block starting at `start`; returns the fields and the offset where the body begins.
    static func scan(
        _ b: UnsafeBufferPointer<UInt8>, from start: Int = 0, limit: Int = 5000
    )
        -> (fields: [RawHeaderField], bodyStart: Int)
    {
        let n = b.count
        var fields: [RawHeaderField] = []
        var i = start
        // An mbox "From " separator line is not a header.
        if n - i >= 5, b[i] == UInt8(ascii: "F"), b[i + 1] == UInt8(ascii: "r"), b[i + 2] == UInt8(ascii: "o"),
            b[i + 3] == UInt8(ascii: "m"), b[i + 4] == 0x20
        {
            i = lineEnd(b, from: i).next
        }
        while i < n {
            let (end, next) = lineEnd(b, from: i)
            if end == i { return (fields, next) }  // the empty line ending the header
            let first = b[i]
            if first == 0x20 || first == 0x09 {
                // Continuation: the line break goes, the whitespace stays (RFC 5322 §2.2.3).
                if !fields.isEmpty {
                    appendTrimmed(b, i, end, to: &fields[fields.count - 1].value)
                }
                i = next
                continue
            }
            var colon = i
            while colon < end, b[colon] != UInt8(ascii: ":"), b[colon] > 0x20, b[colon] < 0x7F { colon += 1 }
            var nameEnd = colon
            // Tolerate "Subject : x".
            while colon < end, b[colon] == 0x20 || b[colon] == 0x09 { colon += 1 }
            guard colon < end, b[colon] == UInt8(ascii: ":"), nameEnd > i else {
                return (fields, i)  // not a header line: the body starts here
            }
            while nameEnd > i, b[nameEnd - 1] == 0x20 { nameEnd -= 1 }
            if fields.count >= limit { return (fields, i) }
            var value: [UInt8] = []
            var v = colon + 1
            while v < end, b[v] == 0x20 || b[v] == 0x09 { v += 1 }
            appendTrimmed(b, v, end, to: &value)
            fields.append(
                RawHeaderField(
                    name: String(
                        decoding: UnsafeBufferPointer(rebasing: b[i..<nameEnd]),
                        as: UTF8.self),
                    value: value))
            i = next
        }
        return (fields, n)
    }

    /// The end of the line at `from` (before CR LF / LF) and the start of the next one.
    static func lineEnd(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> (end: Int, next: Int) {
        let n = b.count
        var j = n
        if from < n, let base = b.baseAddress, let hit = memchr(base + from, 0x0A, n - from) {
            j = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        let next = j < n ? j + 1 : n
        var end = j
        if end > from, b[end - 1] == 0x0D { end -= 1 }
        return (end, next)
    }

    /// Appends b[from..<to] without trailing whitespace (the parser removed NUL bytes beforehand).
    static func appendTrimmed(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, to value: inout [UInt8]) {
        var end = to
        while end > from, b[end - 1] == 0x20 || b[end - 1] == 0x09 || b[end - 1] == 0x0D { end -= 1 }
        guard end > from else { return }
        value.append(contentsOf: UnsafeBufferPointer(rebasing: b[from..<end]))
    }
}

extension Array where Element == RawHeaderField {
    /// The first field with that name (case-insensitive, ASCII).
    func first(named name: String) -> RawHeaderField? {
        let wanted = [UInt8](name.utf8)
        return first { field in
            var i = 0
            for c in field.name.utf8 {
                guard i < wanted.count, c | 0x20 == wanted[i] | 0x20 else { return false }
                i += 1
            }
            return i == wanted.count
        }
    }
}
