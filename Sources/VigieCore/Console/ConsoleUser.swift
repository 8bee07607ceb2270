import Foundation

/// What a console account may do: moderators work the queue; admins also see reporters' addresses, manage
/// accounts and act on newsletter editions.
public enum ConsoleRole: String, Sendable, Codable, CaseIterable {
    case moderator, admin
}

/// A console account as listed (`vigie users list`); the password hash never leaves the store's use cases.
public struct ConsoleUser: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var role: ConsoleRole
    public var disabled: Bool
    public var createdAt: Date
    public var lastLoginAt: Date?

    public init(id: Int64, name: String, role: ConsoleRole, disabled: Bool, createdAt: Date, lastLoginAt: Date?) {
        self.id = id
        self.name = name
        self.role = role
        self.disabled = disabled
        self.createdAt = createdAt
        self.lastLoginAt = lastLoginAt
    }

    /// A name moderators type and the audit trail shows: 2–40 letters, digits, `.`, `-`, `_`.
    public static func validName(_ name: String) -> Bool {
        (2...40).contains(name.count)
            && name.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-" || $0 == "_"
            }
    }
}

/// One entry of the console's own audit (what is not a status change: reporters' addresses viewed, notices read).
public struct ConsoleAuditEntry: Sendable, Equatable {
    public var at: Date
    public var author: String
    public var action: String
    public var detail: String?

    public init(at: Date, author: String, action: String, detail: String?) {
        self.at = at
        self.author = author
        self.action = action
        self.detail = detail
    }
}

/// How many failed logins are allowed in a window, per account name and per client address; pure.
public struct LoginThrottle: Sendable, Equatable {
    public var perAccount: Int
    public var perClient: Int
    public var window: TimeInterval

    public init(perAccount: Int = 5, perClient: Int = 20, window: TimeInterval = 15 * 60) {
        self.perAccount = perAccount
        self.perClient = perClient
        self.window = window
    }

    /// True when one more attempt must be refused, given the failures counted within the window.
    public func refuses(accountFailures: Int, clientFailures: Int) -> Bool {
        accountFailures >= perAccount || clientFailures >= perClient
    }
}

/// The console's clusters page: filters, search and page, as the query string gives them.
public struct ClusterQuery: Sendable, Equatable {
    public var status: ModerationStatus?
    public var platform: Platform?
    public var offence: String?
    public var since: Date?
    public var until: Date?
    /// A piece of a reported URL or of the account's identity.
    public var search: String?
    public var offset: Int
    public var limit: Int

    public init(
        status: ModerationStatus? = nil, platform: Platform? = nil, offence: String? = nil, since: Date? = nil,
        until: Date? = nil, search: String? = nil, offset: Int = 0, limit: Int = 50
    ) {
        self.status = status
        self.platform = platform
        self.offence = offence
        self.since = since
        self.until = until
        self.search = search
        self.offset = offset
        self.limit = limit
    }
}

/// A newsletter edition as the console lists it.
public struct EditionSummary: Sendable, Equatable {
    public var id: String
    public var subject: String
    public var createdAt: Date
    public var completedAt: Date?
    public var status: EditionStatus

    public init(id: String, subject: String, createdAt: Date, completedAt: Date?, status: EditionStatus) {
        self.id = id
        self.subject = subject
        self.createdAt = createdAt
        self.completedAt = completedAt
        self.status = status
    }
}
