/// A TOML syntax or redefinition error, located at a 1-based line and column.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the offending text.
    public var line: Int
    /// Counted in Unicode scalars from the start of the line.
    public var column: Int
    /// A short lowercase message without the location.
    public var message: String

    /// Builds an error at a location.
    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// One line: `line 12: expected '=' after key "rate"`.
    public var description: String { "line \(line): \(message)" }
}
