import Foundation

/// A configuration problem worded for an operator, one line per issue: file, line when known, what is wrong.
public struct TOMLReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One problem: `queues/reports.toml: line 7: key "rate" must be an integer, found string "ten"`.
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        /// The file name as given to the reader.
        public var file: String
        /// The 1-based line, when the issue is tied to one (a missing key is not).
        public var line: Int?
        /// What is wrong, without the file and line prefix.
        public var message: String

        /// Builds an issue; `line` is omitted from the text when unknown.
        public init(file: String, line: Int?, message: String) {
            self.file = file
            self.line = line
            self.message = message
        }

        /// The issue on one line.
        public var description: String {
            if let line { return "\(file): line \(line): \(message)" }
            return "\(file): \(message)"
        }
    }

    /// At least one issue, in document order.
    public var issues: [Issue]

    /// Wraps one or more issues.
    public init(issues: [Issue]) { self.issues = issues }

    /// A single issue.
    public init(file: String, line: Int?, message: String) {
        self.issues = [Issue(file: file, line: line, message: message)]
    }

    /// The issues, one per line.
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// Reads a TOML table with types, defaults and ranges, so that a config error names the file, key and line;
/// `finish()` then reports every key nobody asked for (a misspelt key must not be silently ignored).
public struct TOMLReader {
    /// Which keys were asked for, shared by a reader and the readers of its sub-tables.
    private final class Tracker {
        /// Paths (components joined by U+001F) of every key asked for, present or not.
        var requested: Set<String> = []
        /// Paths of tables and arrays of tables entered with `table(_:)`/`tables(_:)`.
        var entered: Set<String> = []
    }

    private enum Component: Hashable {
        case key(String)
        case index(Int)
    }

    /// The file name used in messages (`queues/reports.toml`).
    public let file: String
    /// The table being read.
    public let table: TOMLTable
    private let components: [Component]
    private let tracker: Tracker

    /// Reads an already parsed table.
    public init(table: TOMLTable, file: String) {
        self.init(table: table, file: file, components: [], tracker: Tracker())
    }

    private init(table: TOMLTable, file: String, components: [Component], tracker: Tracker) {
        self.table = table
        self.file = file
        self.components = components
        self.tracker = tracker
    }

    /// Parses `text`, turning a syntax error into a read error that names the file.
    public init(parsing text: String, file: String) throws(TOMLReadError) {
        do {
            self.init(table: try TOML.parse(text), file: file)
        } catch {
            throw TOMLReadError(file: file, line: error.line, message: error.message)
        }
    }

    /// The dotted path of this table from the document root (`intake`, `servers[2]`); empty at the top.
    public var path: String { Self.display(components) }

    // MARK: Presence

    /// True when the key is present (does not count as reading it).
    public func contains(_ key: String) -> Bool { table[key] != nil }

    /// The raw value, marking the key as read; for shapes the typed accessors don't cover.
    public func value(_ key: String) -> TOMLValue? {
        tracker.requested.insert(Self.storageKey(components + [.key(key)]))
        return table[key]
    }

    // MARK: Strings

    /// An optional string.
    public func string(_ key: String) throws(TOMLReadError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let string) = value else { throw typeError(key, expected: "a string", found: value) }
        return string
    }

    /// A string with a default.
    public func string(_ key: String, default defaultValue: String) throws(TOMLReadError) -> String {
        try string(key) ?? defaultValue
    }

    /// A string that must be one of `allowed` (compared exactly).
    public func string(
        _ key: String, default defaultValue: String, oneOf allowed: [String]
    )
        throws(TOMLReadError) -> String
    {
        guard let string = try string(key) else { return defaultValue }
        guard allowed.contains(string) else {
            let list = allowed.map { "\(SafeText.quoted($0))" }.joined(separator: ", ")
            throw issue(
                key,
                "key \(SafeText.quoted(key)) must be one of \(list), found "
                    + SafeText.quoted(Self.clip(string)))
        }
        return string
    }

    /// A string that must be present.
    public func requiredString(_ key: String) throws(TOMLReadError) -> String {
        guard let string = try string(key) else { throw missing(key) }
        return string
    }

    // MARK: Numbers

    /// An optional integer, checked against `range` when given.
    public func int(_ key: String, range: ClosedRange<Int>? = nil) throws(TOMLReadError) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .integer(let wide) = value else { throw typeError(key, expected: "an integer", found: value) }
        let integer = Int(wide)
        if let range, !range.contains(integer) {
            throw issue(key, "key \(SafeText.quoted(key)) must be \(Self.describe(range)), found \(wide)")
        }
        return integer
    }

    /// An integer with a default, checked against `range` when given.
    public func int(
        _ key: String, default defaultValue: Int, range: ClosedRange<Int>? = nil
    )
        throws(TOMLReadError) -> Int
    {
        try int(key, range: range) ?? defaultValue
    }

    /// An integer that must be present.
    public func requiredInt(_ key: String, range: ClosedRange<Int>? = nil) throws(TOMLReadError) -> Int {
        guard let integer = try int(key, range: range) else { throw missing(key) }
        return integer
    }

    /// An optional number; an integer is accepted (`rate = 10` means 10.0).
    public func double(_ key: String, range: ClosedRange<Double>? = nil) throws(TOMLReadError) -> Double? {
        guard let value = value(key) else { return nil }
        let number: Double
        switch value {
        case .float(let float): number = float
        case .integer(let integer): number = Double(integer)
        default: throw typeError(key, expected: "a number", found: value)
        }
        if let range, !range.contains(number) {
            throw issue(
                key,
                "key \(SafeText.quoted(key)) must be between \(Self.format(range.lowerBound)) "
                    + "and "
                    + "\(Self.format(range.upperBound)), found \(Self.format(number))")
        }
        return number
    }

    /// A number with a default.
    public func double(
        _ key: String, default defaultValue: Double, range: ClosedRange<Double>? = nil
    )
        throws(TOMLReadError) -> Double
    {
        try double(key, range: range) ?? defaultValue
    }

    // MARK: Booleans, dates, arrays

    /// An optional boolean.
    public func bool(_ key: String) throws(TOMLReadError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let bool) = value else { throw typeError(key, expected: "true or false", found: value) }
        return bool
    }

    /// A boolean with a default.
    public func bool(_ key: String, default defaultValue: Bool) throws(TOMLReadError) -> Bool {
        try bool(key) ?? defaultValue
    }

    /// An optional date, time or date-time.
    public func datetime(_ key: String) throws(TOMLReadError) -> TOMLDateTime? {
        guard let value = value(key) else { return nil }
        guard case .datetime(let datetime) = value else {
            throw typeError(key, expected: "a date or time", found: value)
        }
        return datetime
    }

    /// An optional array of strings.
    public func stringArray(_ key: String) throws(TOMLReadError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let elements) = value else {
            throw typeError(key, expected: "an array of strings", found: value)
        }
        var strings: [String] = []
        for element in elements {
            guard case .string(let string) = element else {
                throw issue(
                    key,
                    "key \(SafeText.quoted(key)) must be an array of strings, found an element that is "
                        + Self.describe(element))
            }
            strings.append(string)
        }
        return strings
    }

    /// An array of strings with a default.
    public func stringArray(_ key: String, default defaultValue: [String]) throws(TOMLReadError) -> [String] {
        try stringArray(key) ?? defaultValue
    }

    /// A required array of strings.
    public func requiredStringArray(_ key: String) throws(TOMLReadError) -> [String] {
        guard let strings = try stringArray(key) else { throw missing(key) }
        return strings
    }

    // MARK: Tables

    /// A sub-table's reader; an absent table reads as empty so that its keys take their defaults.
    public func table(_ key: String) throws(TOMLReadError) -> TOMLReader {
        let path = components + [.key(key)]
        guard let value = value(key) else {
            return TOMLReader(table: TOMLTable(), file: file, components: path, tracker: tracker)
        }
        guard case .table(let inner) = value else { throw typeError(key, expected: "a table", found: value) }
        tracker.entered.insert(Self.storageKey(path))
        return TOMLReader(table: inner, file: file, components: path, tracker: tracker)
    }

    /// A sub-table that must be present.
    public func requiredTable(_ key: String) throws(TOMLReadError) -> TOMLReader {
        guard contains(key) else {
            _ = value(key)
            throw TOMLReadError(file: file, line: nil, message: "missing required table [\(keyPath(key))]")
        }
        return try table(key)
    }

    /// The readers of an array of tables (`[[servers]]`, or an array of inline tables); empty when absent.
    public func tables(_ key: String) throws(TOMLReadError) -> [TOMLReader] {
        guard let value = value(key) else { return [] }
        guard case .array(let elements) = value else {
            throw typeError(key, expected: "an array of tables", found: value)
        }
        let path = components + [.key(key)]
        tracker.entered.insert(Self.storageKey(path))
        var readers: [TOMLReader] = []
        for (index, element) in elements.enumerated() {
            guard case .table(let inner) = element else {
                throw issue(
                    key,
                    "key \(SafeText.quoted(key)) must be an array of tables, found an element that is "
                        + Self.describe(element))
            }
            readers.append(TOMLReader(table: inner, file: file, components: path + [.index(index)], tracker: tracker))
        }
        return readers
    }

    // MARK: Finishing

    /// Throws one issue per key present in this table (and the sub-tables read through it) that nobody asked for.
    public func finish() throws(TOMLReadError) {
        var issues: [TOMLReadError.Issue] = []
        collectUnknown(table, components, into: &issues)
        if !issues.isEmpty { throw TOMLReadError(issues: issues) }
    }

    private func collectUnknown(_ table: TOMLTable, _ path: [Component], into issues: inout [TOMLReadError.Issue]) {
        for key in table.keys {
            let keyPath = path + [.key(key)]
            let storage = Self.storageKey(keyPath)
            guard tracker.requested.contains(storage) else {
                let known = table.keys.filter { tracker.requested.contains(Self.storageKey(path + [.key($0)])) }
                let prefix = path.isEmpty ? "" : Self.storageKey(path) + "\u{1F}"
                let asked = tracker.requested.compactMap { entry -> String? in
                    guard entry.hasPrefix(prefix) else { return nil }
                    let rest = entry.dropFirst(prefix.count)
                    return rest.contains("\u{1F}") || rest.isEmpty ? nil : String(rest)
                }
                var message = "unknown key \(SafeText.quoted(key)) \(Self.where(path))"
                if let line = table.line(of: key) { message += " (line \(line))" }
                message += "; check the spelling"
                if let suggestion = Self.closest(to: key, among: Set(asked).subtracting(known).sorted()) {
                    message += " (did you mean \(SafeText.quoted(suggestion))?)"
                }
                issues.append(TOMLReadError.Issue(file: file, line: nil, message: message))
                continue
            }
            guard tracker.entered.contains(storage), let value = table[key] else { continue }
            switch value {
            case .table(let inner):
                collectUnknown(inner, keyPath, into: &issues)
            case .array(let elements):
                for (index, element) in elements.enumerated() {
                    if case .table(let inner) = element {
                        collectUnknown(inner, keyPath + [.index(index)], into: &issues)
                    }
                }
            default:
                break
            }
        }
    }

    // MARK: Messages

    private func keyPath(_ key: String) -> String { Self.display(components + [.key(key)]) }

    private func missing(_ key: String) -> TOMLReadError {
        TOMLReadError(file: file, line: nil, message: "missing required key \(SafeText.quoted(keyPath(key)))")
    }

    private func issue(_ key: String, _ message: String) -> TOMLReadError {
        TOMLReadError(file: file, line: table.line(of: key), message: message)
    }

    private func typeError(_ key: String, expected: String, found value: TOMLValue) -> TOMLReadError {
        issue(key, "key \(SafeText.quoted(key)) must be \(expected), found \(Self.describe(value))")
    }

    /// `string "ten"`, `integer 10`, `boolean true`, `array`, `table`…
    static func describe(_ value: TOMLValue) -> String {
        switch value {
        case .string(let string): return "string \(SafeText.quoted(clip(string)))"
        case .integer(let integer): return "integer \(integer)"
        case .float(let float): return "float \(format(float))"
        case .bool(let bool): return "boolean \(bool)"
        case .datetime(let datetime): return "\(value.typeName) \(datetime.text)"
        case .array(let elements): return elements.isEmpty ? "empty array" : "array"
        case .table: return "table"
        }
    }

    static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max { return "at least \(range.lowerBound)" }
        if range.lowerBound == Int.min { return "at most \(range.upperBound)" }
        return "between \(range.lowerBound) and \(range.upperBound)"
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    static func clip(_ string: String) -> String {
        let flat = string.replacingOccurrences(of: "\n", with: "\\n")
        return flat.count > 40 ? String(flat.prefix(40)) + "…" : flat
    }

    private static func display(_ components: [Component]) -> String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += key
            case .index(let index):
                text += "[\(index + 1)]"
            }
        }
        return text
    }

    private static func storageKey(_ components: [Component]) -> String {
        components.map { component in
            switch component {
            case .key(let key): return key
            case .index(let index): return "#\(index)"
            }
        }.joined(separator: "\u{1F}")
    }

    /// `at top level`, `in [intake]`, `in [[servers]] entry 2`.
    private static func `where`(_ components: [Component]) -> String {
        guard let last = components.last else { return "at top level" }
        if case .index(let index) = last {
            return "in [[\(display(Array(components.dropLast())))]] entry \(index + 1)"
        }
        return "in [\(display(components))]"
    }

    /// The candidate within edit distance 2 (and less than the key's length), if exactly one is closest.
    static func closest(to key: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= 2 && $0.1 < key.count }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return scored.filter { $0.1 == best.1 }.count == 1 ? best.0 : nil
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var row = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = row
        }
        return previous[b.count]
    }
}
