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

    public init(
        to: ModerationStatus, offence: String? = nil, note: String? = nil, platformRef: String? = nil,
        channel: String? = nil, reason: String? = nil, author: String
    ) {
        self.to = to
        self.offence = offence
        self.note = note
        self.platformRef = platformRef
        self.channel = channel
        self.reason = reason
        self.author = author
    }
}
