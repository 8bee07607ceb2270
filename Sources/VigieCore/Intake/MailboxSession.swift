import Foundation

/// The state of a selected mailbox, as the server reports it.
public struct MailboxStatus: Sendable, Equatable {
    public var uidValidity: UInt32
    public var uidNext: UInt32
    public var messageCount: Int

    public init(uidValidity: UInt32, uidNext: UInt32, messageCount: Int) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.messageCount = messageCount
    }
}

/// A message fetched from the server: the raw bytes exactly as stored there.
public struct FetchedMessage: Sendable {
    public var uid: UInt32
    public var raw: [UInt8]
    /// True when `raw` holds the header only (the message was over the size limit).
    public var headerOnly: Bool
    public var size: Int

    public init(uid: UInt32, raw: [UInt8], headerOnly: Bool, size: Int) {
        self.uid = uid
        self.raw = raw
        self.headerOnly = headerOnly
        self.size = size
    }
}

/// One IMAP connection, logged in. Blocking: callers run it on a thread of its own.
public protocol MailboxSession: AnyObject {
    /// Capabilities advertised after login (uppercased), e.g. "IDLE", "MOVE", "UIDPLUS".
    var capabilities: Set<String> { get }
    /// SELECT (read-write) the mailbox.
    func select(_ mailbox: String) throws -> MailboxStatus
    /// UIDs of the selected mailbox that are >= `from`, ascending (never the "highest UID below" quirk).
    func uids(from: UInt32) throws -> [UInt32]
    /// RFC822.SIZE of each UID.
    func sizes(of uids: [UInt32]) throws -> [UInt32: Int]
    /// BODY.PEEK[] of each UID (does not set \Seen), in one round trip.
    func fetchFull(_ uids: [UInt32]) throws -> [FetchedMessage]
    /// BODY.PEEK[HEADER] of each UID.
    func fetchHeaders(_ uids: [UInt32]) throws -> [FetchedMessage]
    /// Add the \Seen flag.
    func markSeen(_ uids: [UInt32]) throws
    /// MOVE where offered, else COPY + \Deleted + (UID) EXPUNGE. Creates the target mailbox if missing.
    func move(_ uids: [UInt32], to mailbox: String) throws
    /// Wait in IDLE up to `timeout` seconds; true when the server announced new messages.
    func idle(timeout: TimeInterval) throws -> Bool
    /// LOGOUT and close; safe to call twice.
    func logout()
}

/// Where an IMAP session connects and how it logs in.
public struct IMAPEndpoint: Sendable, Equatable {
    public enum Security: String, Sendable { case plain, starttls, tls }
    public var host: String
    public var port: Int
    public var security: Security
    public var user: String
    public var password: String
    /// PEM bundle used instead of the system's to verify the server certificate.
    public var caFile: String?
    /// Off only for tests against self-signed servers.
    public var verifyCertificates: Bool
    public var timeoutSeconds: Int

    public init(
        host: String, port: Int, security: Security, user: String, password: String,
        caFile: String? = nil, verifyCertificates: Bool = true, timeoutSeconds: Int = 30
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.user = user
        self.password = password
        self.caFile = caFile
        self.verifyCertificates = verifyCertificates
        self.timeoutSeconds = timeoutSeconds
    }
}
