/// An RFC 4180 CSV reader (`,` or another one-byte separator): quoted fields with doubled quotes, CRLF or LF, line
/// breaks inside quotes, a UTF-8 BOM.
public struct CSVReader: Sendable {
    /// One record and the line it starts on (1-based), for error messages.
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
    }

    /// A record the reader could not make sense of.
    public struct Problem: Sendable, Equatable {
        public var line: Int
        public var message: String
    }

    /// The separator the header line uses: `;` (Excel in a French or German locale), a tab, else `,` — whichever
    /// occurs most in the first line outside quotes (a tie goes to `,`).
    public static func detectSeparator(_ text: String) -> UInt8 {
        var counts: [UInt8: Int] = [:]
        var inQuotes = false
        for b in text.utf8 {
            if b == UInt8(ascii: "\"") { inQuotes.toggle() }
            if inQuotes { continue }
            if b == 0x0A || b == 0x0D { break }
            if b == UInt8(ascii: ",") || b == UInt8(ascii: ";") || b == 0x09 { counts[b, default: 0] += 1 }
        }
        let comma = counts[UInt8(ascii: ","), default: 0]
        let best = counts.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }
        guard let best, best.value > comma else { return UInt8(ascii: ",") }
        return best.key
    }

    /// Reads all records; a malformed record is reported and skipped, the rest still read.
    public static func read(
        _ text: String, separator: UInt8 = UInt8(ascii: ",")
    )
        -> (records: [Record], problems: [Problem])
    {
        var records: [Record] = []
        var problems: [Problem] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quotedField = false
        var afterQuote = false
        var broken: String?
        let bytes = Array(text.utf8)
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            quotedField = false
            afterQuote = false
        }
        func endRecord() {
            endField()
            if let b = broken {
                problems.append(Problem(line: recordLine, message: b))
            } else if !(fields.count == 1 && fields[0].isEmpty) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields.removeAll(keepingCapacity: true)
            broken = nil
        }

        while i < bytes.count {
            let c = bytes[i]
            if inQuotes {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(c)
                        i += 2
                        continue
                    }
                    inQuotes = false
                    afterQuote = true
                } else {
                    if c == 0x0A { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case separator:
                endField()
            case 0x0D where i + 1 < bytes.count && bytes[i + 1] == 0x0A:
                break  // the LF ends the record
            case 0x0A, 0x0D:
                endRecord()
                line += 1
                recordLine = line
            case UInt8(ascii: "\""):
                if field.isEmpty && !quotedField && !afterQuote {
                    inQuotes = true
                    quotedField = true
                } else {
                    broken = broken ?? "stray quote inside a field; quote the whole field and double inner quotes"
                    field.append(c)
                }
            default:
                if afterQuote {
                    broken = broken ?? "text after a closing quote; quote the whole field and double inner quotes"
                }
                field.append(c)
            }
            i += 1
        }
        if inQuotes {
            problems.append(Problem(line: recordLine, message: "quoted field never closed (missing \")"))
        } else if !field.isEmpty || !fields.isEmpty || afterQuote {
            endRecord()
        }
        return (records, problems)
    }
}
