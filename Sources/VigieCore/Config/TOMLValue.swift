import Foundation

/// A TOML value as parsed; tables keep their keys' order and where each key was written.
public enum TOMLValue: Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case datetime(TOMLDateTime)
    case array([TOMLValue])
    case table(TOMLTable)

    /// The TOML type name, as used in error messages ("string", "integer", "array of tables"…).
    public var typeName: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .bool: return "boolean"
        case .datetime(let value):
            switch value.kind {
            case .offsetDateTime: return "offset date-time"
            case .localDateTime: return "local date-time"
            case .localDate: return "local date"
            case .localTime: return "local time"
            }
        case .array: return "array"
        case .table: return "table"
        }
    }

    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, when this is one.
    public var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The float, when this is one (integers are not converted).
    public var floatValue: Double? {
        if case .float(let value) = self { return value }
        return nil
    }

    /// The boolean, when this is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The date-time, when this is one.
    public var datetimeValue: TOMLDateTime? {
        if case .datetime(let value) = self { return value }
        return nil
    }

    /// The array, when this is one.
    public var arrayValue: [TOMLValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The table, when this is one.
    public var tableValue: TOMLTable? {
        if case .table(let value) = self { return value }
        return nil
    }
}

extension TOMLValue: Equatable {
    /// Structural equality; NaN equals NaN so that parsed documents compare as written.
    public static func == (lhs: TOMLValue, rhs: TOMLValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.float(let a), .float(let b)): return a == b || (a.isNaN && b.isNaN)
        case (.bool(let a), .bool(let b)): return a == b
        case (.datetime(let a), .datetime(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.table(let a), .table(let b)): return a == b
        default: return false
        }
    }
}

extension TOMLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// Lets tests and defaults write `"text"` for `.string("text")`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Lets tests and defaults write `42` for `.integer(42)`.
    public init(integerLiteral value: Int64) { self = .integer(value) }
    /// Lets tests and defaults write `1.5` for `.float(1.5)`.
    public init(floatLiteral value: Double) { self = .float(value) }
    /// Lets tests and defaults write `true` for `.bool(true)`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// Lets tests and defaults write `[1, 2]` for `.array([...])`.
    public init(arrayLiteral elements: TOMLValue...) { self = .array(elements) }
    /// Lets tests and defaults write `["k": 1]` for an inline table, keys in the order written.
    public init(dictionaryLiteral elements: (String, TOMLValue)...) {
        var table = TOMLTable()
        for (key, value) in elements { table[key] = value }
        self = .table(table)
    }
}

/// A TOML table: key order is kept, and each key remembers the 1-based line where it was defined.
public struct TOMLTable: Sendable {
    /// The keys in the order they were first defined.
    public private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]
    private var lines: [String: Int] = [:]

    /// An empty table.
    public init() {}

    /// The value under `key`, if any; setting a new key appends it to `keys`, setting `nil` removes it.
    public subscript(key: String) -> TOMLValue? {
        get { values[key] }
        set { set(key, newValue, line: nil) }
    }

    /// Stores a value with the line it came from (used by the parser and by tests of line reporting).
    public mutating func set(_ key: String, _ value: TOMLValue?, line: Int?) {
        guard let value else {
            if values.removeValue(forKey: key) != nil { keys.removeAll { $0 == key } }
            lines[key] = nil
            return
        }
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
        if let line { lines[key] = line }
    }

    /// The 1-based line where `key` was defined (its `key =` line or its `[table]` header), if known.
    public func line(of key: String) -> Int? { lines[key] }

    /// The number of keys.
    public var count: Int { keys.count }

    /// True when the table has no key.
    public var isEmpty: Bool { keys.isEmpty }

    /// The value found by following dotted components (`["database", "path"]`), through nested tables only.
    public func value(at path: [String]) -> TOMLValue? {
        guard let first = path.first, let value = values[first] else { return nil }
        if path.count == 1 { return value }
        guard case .table(let inner) = value else { return nil }
        return inner.value(at: Array(path.dropFirst()))
    }
}

extension TOMLTable: Equatable {
    /// Two tables are equal when they map the same keys to equal values; order and lines are not compared.
    public static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
        lhs.values == rhs.values
    }
}

extension TOMLTable: ExpressibleByDictionaryLiteral {
    /// Lets tests write expected tables as literals, keys in the order written.
    public init(dictionaryLiteral elements: (String, TOMLValue)...) {
        for (key, value) in elements { self[key] = value }
    }
}
