import Foundation

/// One mailbox of an address header, display name already decoded to UTF-8 (RFC 2047).
public struct MailAddress: Sendable, Hashable, Codable {
    public var name: String?
    public var address: String

    public init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }

    /// The reporter identity used for counting distinct people: lowercased, `+tag` removed from the local part.
    public var normalizedReporter: String {
        let lower = address.lowercased()
        guard let at = lower.lastIndex(of: "@") else { return lower }
        var local = lower[..<at]
        if let plus = local.firstIndex(of: "+") { local = local[..<plus] }
        return String(local) + String(lower[at...])
    }
}
