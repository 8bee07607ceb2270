import Foundation

/// The stable reference a citizen quotes back (`SIG-2026-000123`): the year the report was received and its id.
public struct ReportReference: Sendable, Hashable, CustomStringConvertible {
    public var year: Int
    public var id: Int64

    public init(year: Int, id: Int64) {
        self.year = year
        self.id = id
    }

    /// The reference of report `id` received at `date`, the year taken in `timeZone`.
    public init(id: Int64, receivedAt date: Date, timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.init(year: calendar.component(.year, from: date), id: id)
    }

    public var description: String {
        let digits = String(id)
        return "SIG-\(year)-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// Parses `SIG-2026-000123` (case-insensitive), as a citizen may write it in a reply.
    public init?(_ text: String) {
        let parts = text.uppercased().split(separator: "-")
        guard parts.count == 3, parts[0] == "SIG", parts[1].count == 4, let year = Int(parts[1]),
            let id = Int64(parts[2]), id > 0
        else { return nil }
        self.init(year: year, id: id)
    }
}
