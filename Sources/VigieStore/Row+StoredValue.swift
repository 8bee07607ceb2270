import GRDB
import VigieCore

// Every state the store keeps is bound and read as its enum, stored as its raw value (the strings stored before
// they were enums); the CHECK constraints of `Schema.stateChecks` list the same raw values.
extension Platform: DatabaseValueConvertible {}
extension ContentIdentity.Kind: DatabaseValueConvertible {}
extension MessageStatus: DatabaseValueConvertible {}
extension IntakeRole: DatabaseValueConvertible {}
extension ModerationStatus: DatabaseValueConvertible {}
extension SubscriberStatus: DatabaseValueConvertible {}
extension SubscriberEvent: DatabaseValueConvertible {}
extension DeliveryStatus: DatabaseValueConvertible {}
extension ShortLinkStatus: DatabaseValueConvertible {}
extension OutboxKind: DatabaseValueConvertible {}
extension ConsoleRole: DatabaseValueConvertible {}
extension OutboxState: DatabaseValueConvertible {}
extension ScheduledJob: DatabaseValueConvertible {}
extension ScheduledEditionState: DatabaseValueConvertible {}
extension LinkVerdict: DatabaseValueConvertible {}
extension LinkCheckMethod: DatabaseValueConvertible {}
extension ConsentChannel: DatabaseValueConvertible {}
extension ConsentAction: DatabaseValueConvertible {}

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

/// A stored JSON column that does not decode (the file was edited by hand, or damaged).
public struct UndecodableStoredValueError: Error, CustomStringConvertible {
    /// `reports.attachments`.
    public var column: String
    /// The row's key (`message 12`).
    public var row: String
    /// The decoder's reason.
    public var reason: String

    /// The decoder's own words (one line) for `error`.
    init(column: String, row: String, error: any Error) {
        self.column = column
        self.row = row
        switch error as? DecodingError {
        case .dataCorrupted(let c)?, .typeMismatch(_, let c)?, .valueNotFound(_, let c)?, .keyNotFound(_, let c)?:
            reason = c.debugDescription
        default:
            reason = "\(error)"
        }
    }

    /// One line for the operator: the column, the row and what to do.
    public var description: String {
        "database column \(column) of \(row) does not decode (\(reason)); restore the database from a backup"
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
