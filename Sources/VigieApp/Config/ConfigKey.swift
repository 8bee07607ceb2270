import VigieCore

/// What a configuration key holds, as checked at load time and shown in the README's key tables.
public enum ConfigValueType: Sendable, Equatable {
    case string
    case bool
    case strings
    case integer(ClosedRange<Int>)
    case number(ClosedRange<Double>)
    case oneOf([String])
    /// An array of tables, with the keys each one holds (`{ host, param, path }`).
    case tables(String)

    /// The type as the README shows it: `integer 1–64`, `true/false`, `"a" or "b"`.
    public var summary: String {
        switch self {
        case .string: return "string"
        case .bool: return "true/false"
        case .strings: return "array of strings"
        case .integer(let r): return "integer \(Self.bound(Double(r.lowerBound)))–\(Self.bound(Double(r.upperBound)))"
        case .number(let r): return "number \(Self.bound(r.lowerBound))–\(Self.bound(r.upperBound))"
        case .oneOf(let values): return values.map { "`\"\($0)\"`" }.joined(separator: " or ")
        case .tables(let shape): return "array of tables \(shape)"
        }
    }

    /// `100000` as `100,000`, so wide ranges stay readable in a table.
    static func bound(_ n: Double) -> String {
        let text = ConfigKey.render(n)
        guard n == n.rounded(), abs(n) >= 10_000, let i = Int64(exactly: n) else { return text }
        var digits = Array(String(abs(i)))
        var out: [Character] = []
        while digits.count > 3 {
            out = [","] + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return (i < 0 ? "-" : "") + String(digits + out)
    }
}

/// One key of a configuration file, declared once: everything validation, the settings, the shipped files and the
/// README need to know about it.
public struct ConfigKey: Sendable {
    /// Whether a file must state the key.
    public enum Presence: Sendable, Equatable { case optional, required, requiredWhenEnabled }

    /// The key as written in the file.
    public let name: String
    /// Its type and allowed values.
    public let type: ConfigValueType
    /// The default as TOML writes it (`4`, `"INBOX"`, `true`); nil when there is none.
    public let defaultText: String?
    /// A default taken from elsewhere, in words (`[smtp] from`); shown when `defaultText` is nil.
    public let derivedDefault: String?
    /// Whether the file must state it.
    public let presence: Presence
    /// A password or signing secret, or the name of the variable or file holding one: never logged or printed.
    public let secret: Bool
    /// One line for the README and the shipped files' comments.
    public let doc: String

    init(
        _ name: String, _ type: ConfigValueType, default defaultText: String?, derived: String? = nil,
        presence: Presence = .optional, secret: Bool = false, doc: String
    ) {
        self.name = name
        self.type = type
        self.defaultText = defaultText
        self.derivedDefault = derived
        self.presence = presence
        self.secret = secret
        self.doc = doc
    }

    /// Reads the key with its declared type and range, so a wrong value names the file, line and key, and the key
    /// counts as known for `TOMLReader.finish()`. Presence is checked by the code that needs the value.
    public func check(_ r: TOMLReader) throws {
        switch type {
        case .string: _ = try r.string(name)
        case .bool: _ = try r.bool(name)
        case .strings: _ = try r.stringArray(name)
        case .integer(let range): _ = try r.int(name, range: range)
        case .number(let range): _ = try r.double(name, range: range)
        case .oneOf(let values): _ = try r.string(name, default: values[0], oneOf: values)
        case .tables: _ = try r.tables(name)
        }
    }

    /// A value as TOML writes it, the form `defaultText` and the shipped files' comments are compared in.
    public static func render(_ value: TOMLValue) -> String? {
        switch value {
        case .string(let s): return "\"\(s)\""
        case .integer(let i): return String(i)
        case .float(let f): return render(f)
        case .bool(let b): return b ? "true" : "false"
        case .array(let elements):
            let parts = elements.compactMap(render)
            return parts.count == elements.count ? "[" + parts.joined(separator: ", ") + "]" : nil
        case .datetime, .table: return nil
        }
    }

    static func render(_ n: Double) -> String {
        n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
    }
}

/// A declared key read as a Swift value: the declaration's type, range and default apply wherever it is read.
public struct Key<Value>: Sendable {
    /// The declaration itself.
    public let spec: ConfigKey
    private let reader: @Sendable (TOMLReader, ConfigKey) throws -> Value

    init(_ spec: ConfigKey, _ reader: @escaping @Sendable (TOMLReader, ConfigKey) throws -> Value) {
        self.spec = spec
        self.reader = reader
    }

    /// The key's name in the file.
    public var name: String { spec.name }

    /// The value in `r`, or the declared default.
    public func read(_ r: TOMLReader) throws -> Value { try reader(r, spec) }
}

extension Key where Value == Int {
    /// An integer within `range`, `value` when absent.
    static func integer(_ name: String, _ value: Int, _ range: ClosedRange<Int>, _ doc: String) -> Key {
        Key(ConfigKey(name, .integer(range), default: String(value), doc: doc)) { r, k in
            try r.int(k.name, default: value, range: range)
        }
    }
}

extension Key where Value == Double {
    /// A number within `range` (an integer is accepted), `value` when absent.
    static func number(_ name: String, _ value: Double, _ range: ClosedRange<Double>, _ doc: String) -> Key {
        Key(ConfigKey(name, .number(range), default: ConfigKey.render(value), doc: doc)) { r, k in
            try r.double(k.name, default: value, range: range)
        }
    }
}

extension Key where Value == Bool {
    /// `true` or `false`, `value` when absent.
    static func bool(_ name: String, _ value: Bool, _ doc: String) -> Key {
        Key(ConfigKey(name, .bool, default: value ? "true" : "false", doc: doc)) { r, k in
            try r.bool(k.name, default: value)
        }
    }
}

extension Key where Value == Bool? {
    /// `true` or `false`, or nil when absent (the default is taken from elsewhere, named by `derived`).
    static func bool(_ name: String, derived: String, _ doc: String) -> Key {
        Key(ConfigKey(name, .bool, default: nil, derived: derived, doc: doc)) { r, k in try r.bool(k.name) }
    }
}

extension Key where Value == String {
    /// A string that must be present (or present when the queue is enabled: the reading code says which).
    static func required(_ name: String, presence: ConfigKey.Presence = .required, _ doc: String) -> Key {
        Key(ConfigKey(name, .string, default: nil, presence: presence, doc: doc)) { r, k in
            try r.requiredString(k.name)
        }
    }

    /// A string, `value` when absent.
    static func string(_ name: String, _ value: String, _ doc: String) -> Key {
        Key(ConfigKey(name, .string, default: "\"\(value)\"", doc: doc)) { r, k in
            try r.string(k.name, default: value)
        }
    }

    /// One of `values`, which must be present.
    static func choice(_ name: String, _ values: [String], _ doc: String) -> Key {
        Key(ConfigKey(name, .oneOf(values), default: nil, presence: .required, doc: doc)) { r, k in
            try r.requiredString(k.name)
        }
    }
}

extension Key where Value == String? {
    /// An optional string; `derived` names the default taken from elsewhere, if any.
    static func optional(
        _ name: String, derived: String? = nil, presence: ConfigKey.Presence = .optional,
        secret: Bool = false, _ doc: String
    ) -> Key {
        Key(ConfigKey(name, .string, default: nil, derived: derived, presence: presence, secret: secret, doc: doc)) {
            r, k in try r.string(k.name)
        }
    }
}

extension Key where Value == [TOMLReader] {
    /// An array of tables shaped like `shape`, empty when absent; the reading code checks each table's keys.
    static func tables(_ name: String, _ shape: String, _ doc: String) -> Key {
        Key(ConfigKey(name, .tables(shape), default: "[]", doc: doc)) { r, k in try r.tables(k.name) }
    }
}

extension Key where Value == [String] {
    /// An array of strings, `value` when absent.
    static func strings(
        _ name: String, _ value: [String], presence: ConfigKey.Presence = .optional,
        _ doc: String
    ) -> Key {
        let text = "[" + value.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        return Key(
            ConfigKey(
                name, .strings, default: presence == .optional ? text : nil, presence: presence,
                doc: doc)
        ) { r, k in
            try r.stringArray(k.name, default: value)
        }
    }
}

/// A pacing or retry key of an outbound queue, bound to its `DispatchSettings` field; its default is the field's
/// initial value, so `DispatchSettings()` and a file that leaves the key out agree by construction.
public struct DispatchKey: Sendable {
    /// The declaration itself.
    public let spec: ConfigKey
    let apply: @Sendable (inout DispatchSettings, TOMLReader) throws -> Void

    static func number(
        _ name: String, _ field: any WritableKeyPath<DispatchSettings, Double> & Sendable,
        _ range: ClosedRange<Double>, _ doc: String
    ) -> DispatchKey {
        let key = Key<Double>.number(name, DispatchSettings()[keyPath: field], range, doc)
        return DispatchKey(spec: key.spec) { s, r in s[keyPath: field] = try key.read(r) }
    }

    static func integer(
        _ name: String, _ field: any WritableKeyPath<DispatchSettings, Int> & Sendable,
        _ range: ClosedRange<Int>, _ doc: String
    ) -> DispatchKey {
        let key = Key<Int>.integer(name, DispatchSettings()[keyPath: field], range, doc)
        return DispatchKey(spec: key.spec) { s, r in s[keyPath: field] = try key.read(r) }
    }
}
