import GRDB
import VigieCore

/// Platforms and kinds are stored as their raw values (the strings stored before they were enums).
extension Platform: DatabaseValueConvertible {}
extension ContentIdentity.Kind: DatabaseValueConvertible {}

/// A stored value this version does not know (a newer Vigie wrote it, or the file was edited by hand).
public struct UnknownStoredValueError: Error, CustomStringConvertible {
    /// `clusters.platform`.
    public var column: String
    /// What the row holds.
    public var value: String
    /// The values this version knows.
    public var known: [String]

    /// One line for the operator: the column, the value and what to do.
    public var description: String {
        "database column \(column) holds \"\(value)\", which this version of vigie does not know (known: "
            + known.joined(separator: ", ") + "); upgrade vigie or restore the database from a backup"
    }
}

extension Row {
    /// The enum stored in `column`; an unknown or missing value throws instead of defaulting.
    func decodeStored<T: RawRepresentable & CaseIterable>(_ type: T.Type, _ column: String, table: String) throws -> T
    where T.RawValue == String {
        let raw: String? = self[column]
        guard let raw, let value = T(rawValue: raw) else {
            throw UnknownStoredValueError(
                column: table + "." + column, value: raw ?? "NULL",
                known: T.allCases.map(\.rawValue))
        }
        return value
    }
}
