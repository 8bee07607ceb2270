import Foundation

/// A legal provision moderators qualify content against (editable list, shipped with French defaults).
public struct Offence: Sendable, Codable, Equatable {
    public var code: String
    public var label: String
    public var reference: String
    /// Months after publication before prosecution is time-barred (press law: 3, or 12 when discriminatory).
    public var prescriptionMonths: Int?
    /// An aggravating circumstance rather than an offence of its own.
    public var modifier: Bool

    public init(
        code: String, label: String, reference: String, prescriptionMonths: Int? = nil,
        modifier: Bool = false
    ) {
        self.code = code
        self.label = label
        self.reference = reference
        self.prescriptionMonths = prescriptionMonths
        self.modifier = modifier
    }

    /// Reads the `[[offence]]` tables of an offences file.
    public static func list(from table: TOMLTable, file: String) throws -> [Offence] {
        let root = TOMLReader(table: table, file: file)
        var out: [Offence] = []
        var seen: Set<String> = []
        for r in try root.tables("offence") {
            let code = try r.requiredString("code")
            guard !seen.contains(code) else {
                throw ConfigError("\(file): offence code \(SafeText.quoted(code)) appears twice")
            }
            seen.insert(code)
            out.append(
                Offence(
                    code: code, label: try r.requiredString("label"),
                    reference: try r.requiredString("reference"),
                    prescriptionMonths: try r.int("prescription_months", range: 0...600),
                    modifier: try r.bool("modifier", default: false)))
            try r.finish()
        }
        try root.finish()
        guard !out.isEmpty else { throw ConfigError("\(file): no [[offence]] entries; moderators need at least one") }
        return out
    }
}
