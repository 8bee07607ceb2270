/// A configuration problem, already phrased as the one line the operator will read (file, key, what to do).
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
