import Foundation

/// What intake has committed for one mailbox: the server's UIDVALIDITY and the highest UID stored.
public struct IntakeCheckpoint: Sendable, Equatable {
    public var uidValidity: UInt32
    public var lastUID: UInt32

    public init(uidValidity: UInt32, lastUID: UInt32) {
        self.uidValidity = uidValidity
        self.lastUID = lastUID
    }

    /// How to resume against the mailbox as the server now reports it.
    public enum Plan: Sendable, Equatable {
        /// Same UIDVALIDITY: fetch UIDs above the checkpoint.
        case resume(fromUID: UInt32)
        /// First visit, or UIDVALIDITY changed: every UID is new to us; content dedup keeps the store exact.
        case rescan(reason: String)
    }

    /// Decides from the stored checkpoint (nil on first visit) and the server's status.
    public static func plan(stored: IntakeCheckpoint?, server: MailboxStatus) -> Plan {
        guard let stored else { return .rescan(reason: "first visit") }
        guard stored.uidValidity == server.uidValidity else {
            return .rescan(reason: "UIDVALIDITY changed from \(stored.uidValidity) to \(server.uidValidity)")
        }
        return .resume(fromUID: stored.lastUID &+ 1)
    }
}
