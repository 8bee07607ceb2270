import Foundation

/// Where a cluster stands in the moderators' workflow.
public enum ModerationStatus: String, Sendable, Codable, CaseIterable {
    case new, qualified, notified, removed, online, rejected

    /// The statuses a moderator may move a cluster to from this one.
    public var allowedNext: Set<ModerationStatus> {
        switch self {
        case .new: return [.qualified, .rejected]
        // Requalifying (another offence) is allowed until the platform has been notified.
        case .qualified: return [.qualified, .notified, .rejected]
        case .notified: return [.notified, .removed, .online]
        // Still online at recheck: notify again (escalate) or record its later removal.
        case .online: return [.notified, .removed, .online]
        case .removed: return []
        // A rejection can be reconsidered by qualifying the cluster after all.
        case .rejected: return [.qualified]
        }
    }
}

/// A requested change of status, with what that change must carry.
public struct ModerationChange: Sendable, Equatable {
    public var to: ModerationStatus
    public var offence: String?
    public var note: String?
    public var platformRef: String?
    public var channel: String?
    public var reason: String?
    public var author: String

    public init(to: ModerationStatus, offence: String? = nil, note: String? = nil, platformRef: String? = nil,
                channel: String? = nil, reason: String? = nil, author: String) {
        self.to = to
        self.offence = offence
        self.note = note
        self.platformRef = platformRef
        self.channel = channel
        self.reason = reason
        self.author = author
    }
}

/// The workflow's rules; pure so that the CLI, the store and the tests agree on them.
public enum ModerationRules {
    /// Nil when `change` is allowed from `current`, else the one-line reason it is refused.
    public static func refusal(from current: ModerationStatus, change: ModerationChange,
                               knownOffences: Set<String>) -> String?
    {
        guard current.allowedNext.contains(change.to) else {
            let allowed = current.allowedNext.map(\.rawValue).sorted()
            return "cannot go from \(current.rawValue) to \(change.to.rawValue); from \(current.rawValue) the next "
                + "status is " + (allowed.isEmpty ? "none (final)" : allowed.joined(separator: " or "))
        }
        switch change.to {
        case .qualified:
            guard let code = change.offence, !code.isEmpty else { return "qualifying needs an offence code" }
            guard knownOffences.contains(code) else {
                return "unknown offence \(SafeText.quoted(code)); known codes: "
                    + knownOffences.sorted().joined(separator: ", ")
            }
        case .rejected:
            guard let r = change.reason, !r.trimmingCharacters(in: .whitespaces).isEmpty else {
                return "rejecting needs a reason (--reason TEXT)"
            }
        case .new, .notified, .removed, .online:
            break
        }
        if change.author.trimmingCharacters(in: .whitespaces).isEmpty { return "every change needs an author" }
        return nil
    }
}
