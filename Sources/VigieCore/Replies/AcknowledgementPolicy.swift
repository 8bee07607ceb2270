import Foundation

/// Decides whether a stored citizen mail may get an automatic acknowledgement, and to which address (RFC 3834 §2).
///
/// The rules keep Vigie out of mail loops: never answer automatic mail, a null sender, a role or robot address, the
/// institution's own addresses, or a mailing list; answer the Reply-To when there is one, else the From.
public struct AcknowledgementPolicy: Sendable {
    /// Why no acknowledgement is sent (for the log and the outbox's record).
    public enum Skip: Equatable, Sendable, CustomStringConvertible {
        case automatic(String)
        case noAddress
        case robotAddress(String)
        case ownAddress
        case listAddress

        public var description: String {
            switch self {
            case .automatic(let why): return "automatic mail (\(why))"
            case .noAddress: return "no usable sender address"
            case .robotAddress(let local): return "robot or role address (\(local)@…)"
            case .ownAddress: return "one of the institution's own addresses"
            case .listAddress: return "a mailing list address"
            }
        }
    }

    /// The verdict: the address to answer, or why not.
    public enum Decision: Equatable, Sendable {
        case send(to: String)
        case skip(Skip)
    }

    /// Addresses and domains that are ours: the institution's own, the queues' senders, the list's.
    public var ownAddresses: Set<String>
    /// Domains whose every address is ours (the organisation's hosts).
    public var ownDomains: Set<String>

    public init(ownAddresses: [String], ownDomains: [String]) {
        self.ownAddresses = Set(ownAddresses.map { $0.lowercased() })
        self.ownDomains = Set(ownDomains.map { $0.lowercased() })
    }

    /// Local parts that belong to robots or roles (RFC 2142, RFC 3834 §2), compared lowercased without `+tag`.
    static let robotLocalParts: Set<String> = [
        "mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply",
        "do_not_reply", "nepasrepondre", "ne-pas-repondre", "ne_pas_repondre", "nereplypas", "bounce", "bounces",
        "listserv", "majordomo", "mailman", "root", "daemon", "nobody", "auto-reply", "autoreply", "autoresponder",
        "notification", "notifications", "abuse-reports",
    ]

    /// The decision for one parsed mail.
    public func decide(_ message: ParsedMessage) -> Decision {
        if let why = AutomaticMail.reason(for: message) { return .skip(.automatic(why)) }
        let candidates = message.replyTo.isEmpty ? [message.from].compactMap { $0 } : message.replyTo
        guard let target = candidates.first.map({ $0.address.trimmingCharacters(in: .whitespaces) }),
            Self.isPlausible(target)
        else { return .skip(.noAddress) }
        // The From is checked too: a robot that sets a human Reply-To is still a robot.
        var checked = [target]
        if let from = message.from?.address, from.lowercased() != target.lowercased() { checked.append(from) }
        for address in checked {
            if let skip = reason(against: address) { return .skip(skip) }
        }
        return .send(to: target)
    }

    /// Why `address` must not be answered, or nil.
    func reason(against address: String) -> Skip? {
        let lower = address.lowercased()
        guard let at = lower.lastIndex(of: "@") else { return .noAddress }
        var local = String(lower[..<at])
        let domain = String(lower[lower.index(after: at)...])
        if ownAddresses.contains(lower) { return .ownAddress }
        if ownDomains.contains(where: { domain == $0 || domain.hasSuffix("." + $0) }) { return .ownAddress }
        if let plus = local.firstIndex(of: "+") { local = String(local[..<plus]) }
        if Self.robotLocalParts.contains(local) { return .robotAddress(local) }
        if local.hasPrefix("owner-") || local.hasSuffix("-owner") || local.hasSuffix("-request") {
            return .listAddress
        }
        if local.hasSuffix("-bounces") || local.hasPrefix("bounce") || local.hasPrefix("noreply")
            || local.hasPrefix("no-reply")
        {
            return .robotAddress(local)
        }
        return nil
    }

    /// One `@`, something on each side, no spaces or controls: enough to hand to SMTP without surprises.
    static func isPlausible(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasSuffix(".") else {
            return false
        }
        return !address.unicodeScalars.contains { $0.value < 0x21 || $0.value == 0x7F || $0 == "<" || $0 == ">" }
    }
}
