import Foundation
import VigieCore
import VigieStore

/// Subscriber management: CSV import, add, unsubscribe (by address or token), export.
public struct SubscriberService: Sendable {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    /// What an import did, with the rows it rejected.
    public struct ImportReport: Sendable {
        public var summary: ImportSummary
        public var rejections: [SubscriberImport.Rejection]
        public var duplicatesInFile: Int

        /// The summary line.
        public var line: String {
            let skipped = rejections.count + duplicatesInFile + summary.unchanged + summary.keptOut
            return "imported \(summary.imported), updated \(summary.updated), skipped \(skipped) (invalid "
                + "\(rejections.count), duplicates in file \(duplicatesInFile), unchanged \(summary.unchanged), "
                + "unsubscribed or bounced \(summary.keptOut))"
        }
    }

    /// Imports a CSV file (`email,name[,language]`, RFC 4180, UTF-8).
    public func importCSV(path: String) throws -> ImportReport {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("\(path) cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("\(path) is not UTF-8; export the file as UTF-8 CSV")
        }
        let parsed: SubscriberImport.Result
        do {
            parsed = try SubscriberImport.read(text)
        } catch {
            throw ConfigError("\(path): \(error)")
        }
        let summary = try store.importSubscribers(parsed.rows)
        return ImportReport(summary: summary, rejections: parsed.rejections, duplicatesInFile: parsed.duplicates)
    }

    /// Adds one address (validated); `resubscribe` only on the person's own request.
    public func add(_ address: String, name: String?, language: String?, resubscribe: Bool) throws -> Subscriber {
        guard let email = EmailAddress.validate(address) else {
            throw ConfigError("\(SafeText.quoted(address)) is not a valid address")
        }
        return try store.addSubscriber(
            SubscriberRow(email: email, name: name, language: language),
            resubscribe: resubscribe)
    }

    /// Unsubscribes an address; nil when unknown.
    public func unsubscribe(_ address: String, reason: String) throws -> Subscriber? {
        try store.setSubscriberStatus(email: address, to: .unsubscribed, reason: reason, channel: .command)
    }

    /// Unsubscribes the subscriber a token designates (one-click link or `unsubscribe-TOKEN` mail), after checking it.
    /// `causedBy`: the stored message that asked, so that processing it again changes nothing.
    public func unsubscribe(
        token: String, tokens: UnsubscribeTokens, reason: String, causedBy: Int64? = nil,
        channel: ConsentChannel = .mail
    ) throws
        -> Subscriber?
    {
        guard let id = UnsubscribeTokens.claimedID(token), let s = try store.subscriber(id: id),
            tokens.verify(token, subscriberID: id, salt: s.tokenSalt)
        else { return nil }
        return try store.setSubscriberStatus(
            id: id, to: .unsubscribed, reason: reason, causedBy: causedBy, channel: channel)
    }

    /// Marks the subscriber a VERP token designates as bounced; nil when the token is not genuine. `causedBy`: the
    /// stored DSN, so that processing it again counts nothing twice.
    public func bounce(
        token: String, tokens: UnsubscribeTokens, detail: String, causedBy: Int64? = nil
    ) throws
        -> Subscriber?
    {
        guard let id = UnsubscribeTokens.claimedID(token), let s = try store.subscriber(id: id),
            tokens.verify(token, subscriberID: id, salt: s.tokenSalt)
        else { return nil }
        return try store.setSubscriberStatus(
            id: id, to: .bounced, reason: detail, causedBy: causedBy, channel: .bounce)
    }

    /// The subscriber with this address; nil when there is none.
    public func find(_ address: String) throws -> Subscriber? {
        try store.subscriber(email: address)
    }

    /// A subscriber's consent history, oldest first: who joined or left, when, and how.
    public func consent(subscriberID: Int64) throws -> [ConsentRecord] {
        try store.consentHistory(subscriberID: subscriberID)
    }

    /// A subscriber's history, oldest first: subscription, status changes, bounces.
    public func history(subscriberID: Int64) throws -> [(at: Date, event: SubscriberEvent, detail: String?)] {
        try store.subscriberEvents(id: subscriberID)
    }

    /// Subscribers by status.
    public func counts() throws -> SubscriberCounts {
        try store.subscriberCounts()
    }

    /// CSV of every subscriber (RFC 4180 quoting), header `email,name,language,status,since`.
    public func exportCSV(status: SubscriberStatus? = nil) throws -> String {
        let iso = ISO8601DateFormatter()
        var out = "email,name,language,status,since\r\n"
        for s in try store.allSubscribers(status: status) {
            out +=
                [
                    s.email, s.name ?? "", s.language ?? "", s.status.rawValue,
                    iso.string(from: s.statusChangedAt ?? s.createdAt),
                ].map(Self.quote).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// One CSV field, safe to open in a spreadsheet and to print: control characters escaped (`SafeText`), and a
    /// field a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) prefixed with `'` and
    /// quoted, as OWASP's "CSV injection" page recommends. `subscribers import` drops that `'` again.
    static func quote(_ field: String) -> String {
        let formula = field.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } ?? false
        let text = SafeText.line(field)
        guard formula || text.contains(where: { $0 == "," || $0 == ";" || $0 == "\"" }) else { return text }
        return "\"" + (formula ? "'" : "") + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
