import Foundation

/// TOML 1.0 parsing for configuration and edition files (no dependency offers it on this platform).
public enum TOML {
    /// Parses a whole document into its root table, or throws the first error with its line and column.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(bytes: Array(text.utf8))
        return try parser.parseDocument()
    }
}

// MARK: - Mutable tree used while parsing

/// A table under construction; reference semantics let headers reach into tables defined earlier.
private final class TableNode {
    /// How a table came to exist, which decides what may still be added to it.
    enum Origin {
        /// Created as a parent by a header such as `[a.b]` (for `a`); may later get its own header once.
        case implicit
        /// Defined by its own `[header]` (or is the root, or an inline table's root).
        case header
        /// Created by a dotted key such as `a.b = 1` (for `a`); may not get a header, may get sub-tables.
        case dotted
    }

    var origin: Origin
    var keys: [String] = []
    var entries: [String: Entry] = [:]
    var lines: [String: Int] = [:]

    init(origin: Origin) { self.origin = origin }

    func add(_ key: String, _ entry: Entry, line: Int) {
        keys.append(key)
        entries[key] = entry
        lines[key] = line
    }

    func freeze() -> TOMLTable {
        var table = TOMLTable()
        for key in keys {
            guard let entry = entries[key] else { continue }
            table.set(key, entry.freeze(), line: lines[key])
        }
        return table
    }
}

/// An array of tables built by `[[header]]`s.
private final class TableArrayNode {
    var tables: [TableNode]
    init(_ first: TableNode) { tables = [first] }
}

private enum Entry {
    /// A finished value: scalars, static arrays and inline tables (which are sealed).
    case value(TOMLValue)
    case table(TableNode)
    case tableArray(TableArrayNode)

    func freeze() -> TOMLValue {
        switch self {
        case .value(let value): return value
        case .table(let node): return .table(node.freeze())
        case .tableArray(let array): return .array(array.tables.map { .table($0.freeze()) })
        }
    }
}

// MARK: - Parser

private enum Byte {
    static let tab: UInt8 = 0x09
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22  // "
    static let hash: UInt8 = 0x23  // #
    static let apostrophe: UInt8 = 0x27  // '
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let colon: UInt8 = 0x3A
    static let equals: UInt8 = 0x3D
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let underscore: UInt8 = 0x5F
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
    static let delete: UInt8 = 0x7F

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isHexDigit(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x66) }
    static func isBareKey(_ b: UInt8) -> Bool {
        isDigit(b) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == minus || b == underscore
    }
}

/// A key as written, with where it starts (for error locations).
private struct KeyPart {
    var name: String
    var offset: Int
}

private struct TOMLParser {
    let bytes: [UInt8]
    var pos = 0
    /// Offsets where each line starts, for turning offsets into line and column.
    let lineStarts: [Int]
    let root: TableNode
    var current: TableNode
    /// The header path of `current`, to name tables fully in messages.
    var currentPath: [KeyPart] = []

    init(bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (index, byte) in bytes.enumerated() where byte == Byte.lf { starts.append(index + 1) }
        lineStarts = starts
        root = TableNode(origin: .header)
        current = root
        // A byte order mark is not part of the document.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
    }

    // MARK: Locations and errors

    func line(at offset: Int) -> Int {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low + 1
    }

    func error(_ message: String, at offset: Int? = nil) -> TOMLError {
        let offset = min(offset ?? pos, bytes.count)
        let line = line(at: offset)
        let start = lineStarts[line - 1]
        let column = bytes[start..<offset].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        return TOMLError(line: line, column: column, message: message)
    }

    /// A short quotation of the character at `offset` for messages.
    func found(at offset: Int? = nil) -> String {
        let offset = offset ?? pos
        guard offset < bytes.count else { return "end of file" }
        let b = bytes[offset]
        switch b {
        case Byte.lf, Byte.cr: return "end of line"
        case Byte.tab: return "a tab"
        default:
            var end = offset + 1
            while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
            return "'" + String(decoding: bytes[offset..<end], as: UTF8.self) + "'"
        }
    }

    func peek(_ ahead: Int = 0) -> UInt8? {
        pos + ahead < bytes.count ? bytes[pos + ahead] : nil
    }

    func isAtLineEnd() -> Bool {
        guard let b = peek() else { return true }
        return b == Byte.lf || (b == Byte.cr && peek(1) == Byte.lf)
    }

    func startsWith(_ literal: StaticString, at offset: Int? = nil) -> Bool {
        let offset = offset ?? pos
        let count = literal.utf8CodeUnitCount
        guard offset + count <= bytes.count else { return false }
        return literal.withUTF8Buffer { buffer in
            for i in 0..<count where bytes[offset + i] != buffer[i] { return false }
            return true
        }
    }

    // MARK: Whitespace, comments, line ends

    mutating func skipWhitespace() {
        while let b = peek(), b == Byte.space || b == Byte.tab { pos += 1 }
    }

    /// Skips a comment if one starts here; control characters other than tab are not allowed in it.
    mutating func skipComment() throws(TOMLError) {
        guard peek() == Byte.hash else { return }
        while let b = peek(), b != Byte.lf {
            if b == Byte.cr && peek(1) == Byte.lf { break }
            if (b < 0x20 && b != Byte.tab) || b == Byte.delete {
                throw error("control character not allowed in a comment")
            }
            pos += 1
        }
    }

    /// Consumes a newline (LF or CRLF) if one is here.
    mutating func skipNewline() throws(TOMLError) -> Bool {
        if peek() == Byte.lf {
            pos += 1
            return true
        }
        if peek() == Byte.cr {
            guard peek(1) == Byte.lf else { throw error("carriage return not followed by a line feed") }
            pos += 2
            return true
        }
        return false
    }

    /// Whitespace, comments and newlines, as allowed between array elements.
    mutating func skipBlank() throws(TOMLError) {
        while true {
            skipWhitespace()
            try skipComment()
            if try !skipNewline() { return }
        }
    }

    /// After a key/value pair or a header: optional whitespace and comment, then a newline or the end.
    mutating func expectLineEnd(after what: String) throws(TOMLError) {
        skipWhitespace()
        try skipComment()
        if pos >= bytes.count { return }
        if try !skipNewline() {
            throw error("expected end of line after \(what), found \(found())")
        }
    }

    // MARK: Document

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        while true {
            try skipBlank()
            guard let b = peek() else { break }
            if b == Byte.openBracket {
                if peek(1) == Byte.openBracket {
                    try parseArrayTableHeader()
                    try expectLineEnd(after: "array of tables header")
                } else {
                    try parseTableHeader()
                    try expectLineEnd(after: "table header")
                }
            } else {
                try parseKeyValue(into: current, prefix: currentPath)
                try expectLineEnd(after: "value")
            }
        }
        return root.freeze()
    }

    mutating func parseTableHeader() throws(TOMLError) {
        let start = pos
        pos += 1
        skipWhitespace()
        let path = try parseKey()
        skipWhitespace()
        guard peek() == Byte.closeBracket else {
            throw error("expected ']' to close table header [\(display(path))], found \(found())")
        }
        pos += 1
        let headerLine = line(at: start)
        let parent = try walkHeader(path.dropLast(), line: headerLine, full: path)
        let last = path[path.count - 1]
        if let existing = parent.entries[last.name] {
            switch existing {
            case .table(let node) where node.origin == .implicit:
                node.origin = .header
                parent.lines[last.name] = headerLine
                current = node
                currentPath = path
            case .table(let node) where node.origin == .header:
                throw error(
                    "table [\(display(path))] defined twice (first on line \(parent.lines[last.name]!))",
                    at: start)
            case .table:
                throw error(
                    "table [\(display(path))] already defined by dotted keys on line "
                        + "\(parent.lines[last.name]!)", at: start)
            case .tableArray:
                throw error("[\(display(path))] is already an array of tables ([[\(display(path))]])", at: start)
            case .value(let value):
                throw error(
                    "key \"\(display(path))\" already defined as \(article(value)) on line "
                        + "\(parent.lines[last.name]!)", at: start)
            }
        } else {
            let node = TableNode(origin: .header)
            parent.add(last.name, .table(node), line: headerLine)
            current = node
            currentPath = path
        }
    }

    mutating func parseArrayTableHeader() throws(TOMLError) {
        let start = pos
        pos += 2
        skipWhitespace()
        let path = try parseKey()
        skipWhitespace()
        guard peek() == Byte.closeBracket, peek(1) == Byte.closeBracket else {
            throw error("expected ']]' to close array of tables header [[\(display(path))]], found \(found())")
        }
        pos += 2
        let headerLine = line(at: start)
        let parent = try walkHeader(path.dropLast(), line: headerLine, full: path)
        let last = path[path.count - 1]
        let node = TableNode(origin: .header)
        if let existing = parent.entries[last.name] {
            switch existing {
            case .tableArray(let array):
                array.tables.append(node)
            case .table:
                throw error(
                    "[[\(display(path))]] conflicts with table [\(display(path))] defined on line "
                        + "\(parent.lines[last.name]!)", at: start)
            case .value(let value):
                throw error(
                    "cannot append to key \"\(display(path))\": already defined as \(article(value)) on line "
                        + "\(parent.lines[last.name]!)", at: start)
            }
        } else {
            parent.add(last.name, .tableArray(TableArrayNode(node)), line: headerLine)
        }
        current = node
        currentPath = path
    }

    /// Follows a header's parent keys from the root, creating implicit tables as needed.
    func walkHeader(_ parents: ArraySlice<KeyPart>, line: Int, full: [KeyPart]) throws(TOMLError) -> TableNode {
        var table = root
        var walked: [KeyPart] = []
        for part in parents {
            walked.append(part)
            if let existing = table.entries[part.name] {
                switch existing {
                case .table(let node):
                    table = node
                case .tableArray(let array):
                    table = array.tables[array.tables.count - 1]
                case .value(.table):
                    throw error(
                        "cannot add to inline table \"\(display(walked))\" (defined on line "
                            + "\(table.lines[part.name]!))", at: part.offset)
                case .value(let value):
                    throw error(
                        "key \"\(display(walked))\" is \(article(value)), not a table (line "
                            + "\(table.lines[part.name]!))", at: part.offset)
                }
            } else {
                let node = TableNode(origin: .implicit)
                table.add(part.name, .table(node), line: line)
                table = node
            }
        }
        return table
    }

    // MARK: Keys

    mutating func parseKey() throws(TOMLError) -> [KeyPart] {
        var parts = [try parseSimpleKey()]
        while true {
            let save = pos
            skipWhitespace()
            guard peek() == Byte.dot else {
                pos = save
                return parts
            }
            pos += 1
            skipWhitespace()
            parts.append(try parseSimpleKey())
        }
    }

    mutating func parseSimpleKey() throws(TOMLError) -> KeyPart {
        let start = pos
        guard let b = peek() else { throw error("expected a key, found end of file") }
        if b == Byte.quote {
            if startsWith("\"\"\"") { throw error("multi-line strings cannot be keys") }
            return KeyPart(name: try parseBasicString(), offset: start)
        }
        if b == Byte.apostrophe {
            if startsWith("'''") { throw error("multi-line strings cannot be keys") }
            return KeyPart(name: try parseLiteralString(), offset: start)
        }
        while let c = peek(), Byte.isBareKey(c) { pos += 1 }
        guard pos > start else { throw error("expected a key, found \(found())") }
        return KeyPart(name: String(decoding: bytes[start..<pos], as: UTF8.self), offset: start)
    }

    // MARK: Key/value pairs

    /// Parses `key = value` into `table`; `prefix` is the table's own path, for messages.
    mutating func parseKeyValue(into table: TableNode, prefix: [KeyPart]) throws(TOMLError) {
        let keyStart = pos
        let path = try parseKey()
        skipWhitespace()
        guard peek() == Byte.equals else {
            if isAtLineEnd() || peek() == Byte.hash {
                throw error("expected '=' after key \"\(display(path))\"")
            }
            throw error("expected '=' after key \"\(display(path))\", found \(found())")
        }
        pos += 1
        skipWhitespace()
        if isAtLineEnd() || peek() == Byte.hash {
            throw error("missing value for key \"\(display(path))\"")
        }
        let value = try parseValue()
        try insert(value, at: path, into: table, prefix: prefix, line: line(at: keyStart))
    }

    func insert(
        _ value: TOMLValue, at path: [KeyPart], into table: TableNode, prefix: [KeyPart], line: Int
    )
        throws(TOMLError)
    {
        var table = table
        var walked = prefix
        for part in path.dropLast() {
            walked.append(part)
            if let existing = table.entries[part.name] {
                switch existing {
                case .table(let node) where node.origin == .header:
                    throw error(
                        "cannot add keys to table [\(display(walked))] through dotted keys: it has its own "
                            + "header on line \(table.lines[part.name]!)", at: part.offset)
                case .table(let node):
                    node.origin = .dotted
                    table = node
                case .tableArray:
                    throw error(
                        "cannot add keys to array of tables \"\(display(walked))\" through dotted keys",
                        at: part.offset)
                case .value(.table):
                    throw error(
                        "cannot add to inline table \"\(display(walked))\" (defined on line "
                            + "\(table.lines[part.name]!))", at: part.offset)
                case .value(let value):
                    throw error(
                        "key \"\(display(walked))\" is already \(article(value)) (line "
                            + "\(table.lines[part.name]!)), not a table", at: part.offset)
                }
            } else {
                let node = TableNode(origin: .dotted)
                table.add(part.name, .table(node), line: line)
                table = node
            }
        }
        let last = path[path.count - 1]
        if table.entries[last.name] != nil {
            throw error(
                "key \"\(display(path))\" defined twice (first on line \(table.lines[last.name]!))",
                at: path[0].offset)
        }
        table.add(last.name, .value(value), line: line)
    }

    // MARK: Values

    mutating func parseValue() throws(TOMLError) -> TOMLValue {
        guard let b = peek() else { throw error("expected a value, found end of file") }
        switch b {
        case Byte.quote:
            return .string(startsWith("\"\"\"") ? try parseMultilineBasicString() : try parseBasicString())
        case Byte.apostrophe:
            return .string(startsWith("'''") ? try parseMultilineLiteralString() : try parseLiteralString())
        case Byte.openBracket:
            return try parseArray()
        case Byte.openBrace:
            return try parseInlineTable()
        case UInt8(ascii: "t"):
            return try parseKeyword("true", .bool(true))
        case UInt8(ascii: "f"):
            return try parseKeyword("false", .bool(false))
        case UInt8(ascii: "i"):
            return try parseKeyword("inf", .float(.infinity))
        case UInt8(ascii: "n"):
            return try parseKeyword("nan", .float(.nan))
        case _ where Byte.isDigit(b):
            if isDateAhead() { return .datetime(try parseDateTime()) }
            if isTimeAhead() { return .datetime(try parseLocalTime(start: pos)) }
            return try parseNumber()
        case Byte.plus, Byte.minus:
            return try parseNumber()
        default:
            throw error("expected a value, found \(found())")
        }
    }

    func isDelimiter(_ b: UInt8?) -> Bool {
        guard let b else { return true }
        switch b {
        case Byte.space, Byte.tab, Byte.lf, Byte.cr, Byte.comma, Byte.closeBracket, Byte.closeBrace, Byte.hash:
            return true
        default:
            return false
        }
    }

    mutating func parseKeyword(_ word: StaticString, _ value: TOMLValue) throws(TOMLError) -> TOMLValue {
        let start = pos
        if startsWith(word) && isDelimiter(peek(word.utf8CodeUnitCount)) {
            pos += word.utf8CodeUnitCount
            return value
        }
        var end = start
        while end < bytes.count && !isDelimiter(bytes[end]) { end += 1 }
        let token = String(decoding: bytes[start..<end], as: UTF8.self)
        throw error("invalid value \(token) (strings need quotes)", at: start)
    }

    mutating func parseArray() throws(TOMLError) -> TOMLValue {
        let start = pos
        pos += 1
        var elements: [TOMLValue] = []
        while true {
            try skipBlank()
            guard let b = peek() else { throw error("unterminated array (opened on line \(line(at: start)))") }
            if b == Byte.closeBracket {
                pos += 1
                return .array(elements)
            }
            elements.append(try parseValue())
            try skipBlank()
            guard let next = peek() else {
                throw error("unterminated array (opened on line \(line(at: start)))")
            }
            if next == Byte.comma {
                pos += 1
            } else if next == Byte.closeBracket {
                pos += 1
                return .array(elements)
            } else {
                throw error("expected ',' or ']' in array, found \(found())")
            }
        }
    }

    mutating func parseInlineTable() throws(TOMLError) -> TOMLValue {
        pos += 1
        let node = TableNode(origin: .header)
        skipWhitespace()
        if peek() == Byte.closeBrace {
            pos += 1
            return .table(node.freeze())
        }
        while true {
            skipWhitespace()
            if isAtLineEnd() {
                throw error(peek() == nil ? "unterminated inline table" : "newline not allowed in an inline table")
            }
            if peek() == Byte.closeBrace { throw error("trailing comma not allowed in an inline table") }
            try parseKeyValue(into: node, prefix: [])
            skipWhitespace()
            guard let b = peek() else { throw error("unterminated inline table") }
            if b == Byte.comma {
                pos += 1
            } else if b == Byte.closeBrace {
                pos += 1
                return .table(node.freeze())
            } else if isAtLineEnd() {
                throw error("newline not allowed in an inline table")
            } else {
                throw error("expected ',' or '}' in inline table, found \(found())")
            }
        }
    }

    // MARK: Strings

    /// Appends a Unicode scalar as UTF-8.
    func append(scalar value: UInt32, to buffer: inout [UInt8], escapeStart: Int) throws(TOMLError) {
        guard let scalar = Unicode.Scalar(value) else {
            throw error(
                "invalid unicode escape: U+\(String(value, radix: 16, uppercase: true)) is not a scalar value",
                at: escapeStart)
        }
        buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    /// Reads an escape sequence after the backslash.
    mutating func parseEscape(into buffer: inout [UInt8]) throws(TOMLError) {
        let escapeStart = pos - 1
        guard let b = peek() else { throw error("unterminated string") }
        pos += 1
        switch b {
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "t"): buffer.append(Byte.tab)
        case UInt8(ascii: "n"): buffer.append(Byte.lf)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "r"): buffer.append(Byte.cr)
        case Byte.quote: buffer.append(Byte.quote)
        case Byte.backslash: buffer.append(Byte.backslash)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = b == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let h = peek(), Byte.isHexDigit(h) else {
                    throw error(
                        "invalid unicode escape: \\\(Character(Unicode.Scalar(b))) needs \(count) hex digits",
                        at: escapeStart)
                }
                value = value &* 16 &+ UInt32(Self.hexValue(h))
                pos += 1
            }
            try append(scalar: value, to: &buffer, escapeStart: escapeStart)
        default:
            pos -= 1
            throw error("invalid escape sequence \\\(found().trimmingCharacters(in: ["'"]))", at: escapeStart)
        }
    }

    static func hexValue(_ b: UInt8) -> UInt8 {
        Byte.isDigit(b) ? b - 0x30 : (b | 0x20) - 0x61 + 10
    }

    func checkControl(_ b: UInt8, inString kind: String) throws(TOMLError) {
        if (b < 0x20 && b != Byte.tab) || b == Byte.delete {
            let code = String(b, radix: 16, uppercase: true)
            throw error(
                "control character U+\(String(repeating: "0", count: 4 - code.count) + code) not allowed in a \(kind); use an escape"
            )
        }
    }

    mutating func parseBasicString() throws(TOMLError) -> String {
        let start = pos
        pos += 1
        var buffer: [UInt8] = []
        while true {
            guard let b = peek() else { throw error("unterminated string (opened on line \(line(at: start)))") }
            if b == Byte.lf || b == Byte.cr {
                throw error("unterminated string: a basic string cannot span lines (use \"\"\")")
            }
            pos += 1
            if b == Byte.quote { return String(decoding: buffer, as: UTF8.self) }
            if b == Byte.backslash {
                try parseEscape(into: &buffer)
                continue
            }
            pos -= 1
            try checkControl(b, inString: "string")
            pos += 1
            buffer.append(b)
        }
    }

    mutating func parseLiteralString() throws(TOMLError) -> String {
        let start = pos
        pos += 1
        let contentStart = pos
        while true {
            guard let b = peek() else { throw error("unterminated string (opened on line \(line(at: start)))") }
            if b == Byte.lf || b == Byte.cr {
                throw error("unterminated string: a literal string cannot span lines (use ''')")
            }
            if b == Byte.apostrophe {
                pos += 1
                return String(decoding: bytes[contentStart..<(pos - 1)], as: UTF8.self)
            }
            try checkControl(b, inString: "string")
            pos += 1
        }
    }

    /// Counts the run of `quote` bytes at the current position.
    func quoteRun(_ quote: UInt8) -> Int {
        var count = 0
        while let b = peek(count), b == quote { count += 1 }
        return count
    }

    mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        try parseMultilineString(quote: Byte.quote, escapes: true)
    }

    mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        try parseMultilineString(quote: Byte.apostrophe, escapes: false)
    }

    /// A triple-quoted basic string (escapes, line-ending backslashes) or a triple-apostrophe literal one (verbatim).
    mutating func parseMultilineString(quote: UInt8, escapes: Bool) throws(TOMLError) -> String {
        let start = pos
        pos += 3
        _ = try skipNewline()
        var buffer: [UInt8] = []
        while true {
            guard let b = peek() else {
                throw error("unterminated multi-line string (opened on line \(line(at: start)))")
            }
            if b == quote {
                let run = quoteRun(quote)
                if run >= 3 {
                    if run > 5 { throw error("too many quotes at the end of a multi-line string", at: pos + 5) }
                    buffer.append(contentsOf: repeatElement(quote, count: run - 3))
                    pos += run
                    return String(decoding: buffer, as: UTF8.self)
                }
                buffer.append(contentsOf: repeatElement(quote, count: run))
                pos += run
                continue
            }
            if escapes && b == Byte.backslash {
                // A backslash ending a line swallows the line break and the whitespace that follows.
                var look = pos + 1
                while look < bytes.count && (bytes[look] == Byte.space || bytes[look] == Byte.tab) { look += 1 }
                if look < bytes.count && (bytes[look] == Byte.lf || bytes[look] == Byte.cr) {
                    pos = look
                    while let c = peek() {
                        if c == Byte.space || c == Byte.tab {
                            pos += 1
                        } else if try !skipNewline() {
                            break
                        }
                    }
                    continue
                }
                pos += 1
                try parseEscape(into: &buffer)
                continue
            }
            if try skipNewline() {
                buffer.append(Byte.lf)
                continue
            }
            try checkControl(b, inString: "string")
            buffer.append(b)
            pos += 1
        }
    }

    // MARK: Numbers

    mutating func parseNumber() throws(TOMLError) -> TOMLValue {
        let start = pos
        while let b = peek(), !isDelimiter(b) { pos += 1 }
        let token = Array(bytes[start..<pos])
        let text = String(decoding: token, as: UTF8.self)
        var digits = token[...]
        var negative = false
        if let first = digits.first, first == Byte.plus || first == Byte.minus {
            negative = first == Byte.minus
            digits = digits.dropFirst()
        }
        if digits.elementsEqual("inf".utf8) { return .float(negative ? -.infinity : .infinity) }
        if digits.elementsEqual("nan".utf8) { return .float(.nan) }
        if digits.count > 2 && digits.first == UInt8(ascii: "0") {
            let radixMark = digits[digits.startIndex + 1]
            let radix: UInt64? =
                switch radixMark {
                case UInt8(ascii: "x"): 16
                case UInt8(ascii: "o"): 8
                case UInt8(ascii: "b"): 2
                default: nil
                }
            if let radix {
                guard token.count == digits.count else {
                    throw error("a sign is not allowed on a hexadecimal, octal or binary integer: \(text)", at: start)
                }
                return .integer(try parseRadixInteger(digits.dropFirst(2), radix: radix, text: text, at: start))
            }
        }
        return try parseDecimal(digits, negative: negative, text: text, at: start)
    }

    func parseRadixInteger(
        _ digits: ArraySlice<UInt8>, radix: UInt64, text: String, at start: Int
    )
        throws(TOMLError) -> Int64
    {
        var value: UInt64 = 0
        var previousWasDigit = false
        for b in digits {
            if b == Byte.underscore {
                guard previousWasDigit else { throw error("invalid integer \(text): misplaced underscore", at: start) }
                previousWasDigit = false
                continue
            }
            let digit: UInt64
            if Byte.isHexDigit(b) { digit = UInt64(Self.hexValue(b)) } else { digit = radix }
            guard digit < radix else { throw error("invalid integer \(text)", at: start) }
            let (times, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflow2) = times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2, sum <= UInt64(Int64.max) else {
                throw error("integer \(text) is out of range (64-bit)", at: start)
            }
            value = sum
            previousWasDigit = true
        }
        guard previousWasDigit else { throw error("invalid integer \(text)", at: start) }
        return Int64(value)
    }

    /// Decimal integers and floats: digits with single underscores between digits, no leading zeros.
    func parseDecimal(
        _ digits: ArraySlice<UInt8>, negative: Bool, text: String, at start: Int
    )
        throws(TOMLError) -> TOMLValue
    {
        var index = digits.startIndex
        var clean: [UInt8] = negative ? [Byte.minus] : []
        /// Reads digits with underscores between them; returns how many digits were read.
        func readDigits() throws(TOMLError) -> Int {
            var count = 0
            var previousWasDigit = false
            while index < digits.endIndex {
                let b = digits[index]
                if Byte.isDigit(b) {
                    clean.append(b)
                    count += 1
                    previousWasDigit = true
                } else if b == Byte.underscore {
                    guard previousWasDigit, index + 1 < digits.endIndex, Byte.isDigit(digits[index + 1]) else {
                        throw error("invalid number \(text): an underscore must sit between digits", at: start)
                    }
                    previousWasDigit = false
                } else {
                    break
                }
                index += 1
            }
            return count
        }
        let integerStart = index
        let integerDigits = try readDigits()
        guard integerDigits > 0 else { throw error("invalid number \(text)", at: start) }
        if integerDigits > 1 && digits[integerStart] == UInt8(ascii: "0") {
            throw error("invalid number \(text): leading zeros are not allowed", at: start)
        }
        var isFloat = false
        if index < digits.endIndex && digits[index] == Byte.dot {
            isFloat = true
            clean.append(Byte.dot)
            index += 1
            guard try readDigits() > 0 else {
                throw error("invalid number \(text): a decimal point needs digits on both sides", at: start)
            }
        }
        if index < digits.endIndex && digits[index] | 0x20 == UInt8(ascii: "e") {
            isFloat = true
            clean.append(UInt8(ascii: "e"))
            index += 1
            if index < digits.endIndex && (digits[index] == Byte.plus || digits[index] == Byte.minus) {
                clean.append(digits[index])
                index += 1
            }
            guard try readDigits() > 0 else { throw error("invalid number \(text): exponent needs digits", at: start) }
        }
        guard index == digits.endIndex else { throw error("invalid number \(text)", at: start) }
        let cleanText = String(decoding: clean, as: UTF8.self)
        if isFloat {
            guard let value = Double(cleanText) else { throw error("invalid float \(text)", at: start) }
            return .float(value)
        }
        guard let value = Int64(cleanText) else { throw error("integer \(text) is out of range (64-bit)", at: start) }
        return .integer(value)
    }

    // MARK: Dates and times

    func isDateAhead() -> Bool {
        guard pos + 4 < bytes.count else { return false }
        for i in 0..<4 where !Byte.isDigit(bytes[pos + i]) { return false }
        return bytes[pos + 4] == Byte.minus
    }

    func isTimeAhead(at offset: Int? = nil) -> Bool {
        let offset = offset ?? pos
        guard offset + 2 < bytes.count else { return false }
        return Byte.isDigit(bytes[offset]) && Byte.isDigit(bytes[offset + 1]) && bytes[offset + 2] == Byte.colon
    }

    /// Reads exactly `count` digits.
    mutating func readFixedDigits(_ count: Int, what: String, start: Int) throws(TOMLError) -> Int {
        var value = 0
        for _ in 0..<count {
            guard let b = peek(), Byte.isDigit(b) else {
                throw error("invalid date-time \(token(from: start)): expected \(count) digits for \(what)", at: start)
            }
            value = value * 10 + Int(b - 0x30)
            pos += 1
        }
        return value
    }

    mutating func expectByte(_ byte: UInt8, start: Int) throws(TOMLError) {
        guard peek() == byte else {
            throw error(
                "invalid date-time \(token(from: start)): expected '\(Character(Unicode.Scalar(byte)))'",
                at: start)
        }
        pos += 1
    }

    func token(from start: Int) -> String {
        var end = start
        while end < bytes.count && !isDelimiter(bytes[end]) { end += 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    mutating func parseDateTime() throws(TOMLError) -> TOMLDateTime {
        let start = pos
        let year = try readFixedDigits(4, what: "the year", start: start)
        try expectByte(Byte.minus, start: start)
        let month = try readFixedDigits(2, what: "the month", start: start)
        try expectByte(Byte.minus, start: start)
        let day = try readFixedDigits(2, what: "the day", start: start)
        guard (1...12).contains(month), (1...TOMLDateTime.daysInMonth(year: year, month: month)).contains(day) else {
            throw error("invalid date \(token(from: start)): no such day", at: start)
        }
        var value = TOMLDateTime(kind: .localDate, text: "", year: year, month: month, day: day)
        let separator = peek()
        if separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t")
            || (separator == Byte.space && isTimeAhead(at: pos + 1))
        {
            pos += 1
            let time = try parseLocalTime(start: start)
            value.kind = .localDateTime
            value.hour = time.hour
            value.minute = time.minute
            value.second = time.second
            value.nanosecond = time.nanosecond
            if let b = peek(), b | 0x20 == UInt8(ascii: "z") {
                pos += 1
                value.kind = .offsetDateTime
                value.offsetSeconds = 0
            } else if let b = peek(), b == Byte.plus || b == Byte.minus {
                pos += 1
                let hours = try readFixedDigits(2, what: "the offset hours", start: start)
                try expectByte(Byte.colon, start: start)
                let minutes = try readFixedDigits(2, what: "the offset minutes", start: start)
                guard hours < 24, minutes < 60 else {
                    throw error("invalid date-time \(token(from: start)): offset out of range", at: start)
                }
                value.kind = .offsetDateTime
                value.offsetSeconds = (b == Byte.minus ? -1 : 1) * (hours * 3600 + minutes * 60)
            }
        }
        guard isDelimiter(peek()) else { throw error("invalid date-time \(token(from: start))", at: start) }
        value.text = String(decoding: bytes[start..<pos], as: UTF8.self)
        return value
    }

    /// Reads `HH:MM:SS[.fraction]`; `start` is where the whole value began, for messages.
    mutating func parseLocalTime(start: Int) throws(TOMLError) -> TOMLDateTime {
        let timeStart = pos
        let hour = try readFixedDigits(2, what: "the hour", start: start)
        try expectByte(Byte.colon, start: start)
        let minute = try readFixedDigits(2, what: "the minutes", start: start)
        try expectByte(Byte.colon, start: start)
        let second = try readFixedDigits(2, what: "the seconds", start: start)
        guard hour < 24, minute < 60, second <= 60 else {
            throw error("invalid time \(token(from: start)): out of range", at: start)
        }
        var nanosecond: Int?
        if peek() == Byte.dot {
            pos += 1
            var digits = 0
            var value = 0
            while let b = peek(), Byte.isDigit(b) {
                if digits < 9 {
                    value = value * 10 + Int(b - 0x30)
                    digits += 1
                }
                pos += 1
            }
            guard digits > 0 else {
                throw error("invalid time \(token(from: start)): expected digits after '.'", at: start)
            }
            for _ in digits..<9 { value *= 10 }
            nanosecond = value
        }
        let text = String(decoding: bytes[timeStart..<pos], as: UTF8.self)
        if timeStart == start {
            guard isDelimiter(peek()) else { throw error("invalid time \(token(from: start))", at: start) }
        }
        return TOMLDateTime(
            kind: .localTime, text: text, hour: hour, minute: minute, second: second,
            nanosecond: nanosecond)
    }

    // MARK: Messages

    func display(_ path: [KeyPart]) -> String {
        path.map { part in
            part.name.utf8.allSatisfy(Byte.isBareKey) && !part.name.isEmpty ? part.name : "\"\(part.name)\""
        }.joined(separator: ".")
    }

    func article(_ value: TOMLValue) -> String {
        switch value {
        case .integer, .array: return "an \(value.typeName)"
        case .table: return "an inline table"
        case .datetime(let d) where d.kind == .offsetDateTime: return "an \(value.typeName)"
        default: return "a \(value.typeName)"
        }
    }
}
