import Crypto
import Foundation
import Logging
import VigieCore
import VigieMail
import VigieStore

/// Hashes and checks passwords (bcrypt, provided by the web layer); the console never stores a password.
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) -> String
    func verify(_ password: String, hash: String) -> Bool
    /// A valid hash of a random password: what an unknown account's attempt is checked against.
    var decoy: String { get }
}

/// A signed-in moderator: who they are and the CSRF token every form of their session carries.
public struct ConsoleSession: Sendable, Equatable {
    public var user: ConsoleUser
    public var csrf: String
}

/// What a login attempt came to; an unknown account and a wrong password are the same answer on purpose.
public enum LoginOutcome: Sendable, Equatable {
    case signedIn(token: String, session: ConsoleSession)
    case refused
    case throttled
}

/// A refused account command, one line (`vigie users`).
public struct ConsoleAccountError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The console's use cases: accounts, sessions, throttling, the console's audit, the queue's pages.
public struct ConsoleService: Sendable {
    let store: Store
    let hasher: any PasswordHasher
    let weights: PriorityWeights
    let logger: Logger
    /// A session unused for this long is over.
    public var idleTimeout: TimeInterval = 60 * 60
    public var throttle = LoginThrottle()
    /// The shortest password `users add` and `users passwd` accept.
    public static let minimumPasswordLength = 12

    public init(store: Store, hasher: any PasswordHasher, weights: PriorityWeights, logger: Logger) {
        self.store = store
        self.hasher = hasher
        self.weights = weights
        self.logger = logger
    }

    // MARK: accounts

    /// Creates an account with this password.
    public func addUser(name: String, role: ConsoleRole, password: String) throws {
        guard ConsoleUser.validName(name) else {
            throw ConsoleAccountError(
                "account name \(SafeText.quoted(name)) is not valid: use 2 to 40 letters, digits, '.', '-' or '_'")
        }
        try Self.checkStrength(password)
        guard try store.addUser(name: name, role: role, passwordHash: hasher.hash(password)) else {
            throw ConsoleAccountError("account \(name) already exists; see `vigie users list`")
        }
        logger.info("console: account \(name) added (\(role.rawValue))")
    }

    /// Every account.
    public func users() throws -> [ConsoleUser] { try store.consoleUsers() }

    /// Disables an account (its sessions end at once) or enables it again.
    public func setDisabled(name: String, _ disabled: Bool) throws {
        guard try store.setUserDisabled(name: name, disabled: disabled) else {
            throw ConsoleAccountError("no account named \(SafeText.quoted(name)); see `vigie users list`")
        }
        logger.info("console: account \(name) \(disabled ? "disabled" : "enabled")")
    }

    /// Replaces an account's password; its sessions end.
    public func setPassword(name: String, password: String) throws {
        try Self.checkStrength(password)
        guard try store.setUserPassword(name: name, passwordHash: hasher.hash(password)) else {
            throw ConsoleAccountError("no account named \(SafeText.quoted(name)); see `vigie users list`")
        }
        logger.info("console: password of \(name) changed; its sessions were ended")
    }

    /// A random password of 20 characters from an alphabet without look-alikes.
    public static func generatePassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }

    static func checkStrength(_ password: String) throws {
        guard password.count >= minimumPasswordLength else {
            throw ConsoleAccountError(
                "the password is too short: at least \(minimumPasswordLength) characters (or let vigie generate one)")
        }
    }

    // MARK: sessions

    /// Checks a login, throttled per account name and per client address; a success opens a session.
    public func login(name: String, password: String, client: String, now: Date = Date()) throws -> LoginOutcome {
        let since = now.addingTimeInterval(-throttle.window)
        let failures = try store.loginFailures(account: name, client: client, since: since)
        if throttle.refuses(accountFailures: failures.account, clientFailures: failures.client) {
            logger.notice("console: login throttled (\(failures.account) recent failures for the account name)")
            return .throttled
        }
        let found = try store.consoleUser(name: name)
        // An unknown account costs a bcrypt check too, so timing does not tell which accounts exist.
        let good = hasher.verify(password, hash: found?.passwordHash ?? hasher.decoy)
        guard let found, good, !found.user.disabled else {
            try store.recordLoginFailure(account: name, client: client, now: now, forgetBefore: since)
            logger.info("console: failed login")
            return .refused
        }
        let token = Self.randomToken()
        let csrf = Self.randomToken()
        try store.openSession(userID: found.user.id, tokenHash: Self.digest(token), csrf: csrf, now: now)
        logger.info("console: \(found.user.name) signed in")
        return .signedIn(token: token, session: ConsoleSession(user: found.user, csrf: csrf))
    }

    /// The session of a cookie's token, if live (not idle too long, account enabled).
    public func session(token: String, now: Date = Date()) throws -> ConsoleSession? {
        guard !token.isEmpty, token.count <= 100 else { return nil }
        return try store.session(
            tokenHash: Self.digest(token), idleSince: now.addingTimeInterval(-idleTimeout), now: now
        ).map { ConsoleSession(user: $0.user, csrf: $0.csrf) }
    }

    /// Ends a session.
    public func logout(token: String, now: Date = Date()) throws {
        try store.endSession(tokenHash: Self.digest(token), idleSince: now.addingTimeInterval(-idleTimeout))
    }

    /// 32 random bytes, base64url: a session token or a CSRF token.
    public static func randomToken() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: pages

    /// One page of the clusters queue.
    public func clusters(_ query: ClusterQuery, now: Date = Date()) throws -> (rows: [ClusterSummary], total: Int) {
        try store.consoleClusters(query, weights: weights, now: now)
    }

    /// The reported contents of an account.
    public func accountPosts(_ accountKey: String) throws -> [ClusterSummary] {
        try store.accountPosts(accountKey: accountKey, weights: weights)
    }

    /// Records an action that is not a change of status (reporters' addresses viewed, a notice downloaded).
    public func audit(clusterID: Int64, author: String, action: String, detail: String? = nil) throws {
        try store.recordConsoleAudit(clusterID: clusterID, author: author, action: action, detail: detail)
    }

    /// The console's audit entries of a cluster.
    public func auditTrail(clusterID: Int64) throws -> [ConsoleAuditEntry] {
        try store.consoleAudit(clusterID: clusterID)
    }

    /// Newsletter editions with their progress.
    public func editions() throws -> [EditionSummary] { try store.editionSummaries() }
}

extension AppContext {
    /// The console's use cases with this password hasher.
    public func console(hasher: any PasswordHasher) throws -> ConsoleService {
        ConsoleService(store: try store(), hasher: hasher, weights: config.clusters.weights, logger: logger)
    }
}

extension ConsoleService {
    /// The `index`-th attachment of a stored message, decoded from its raw bytes (a citizen's screenshot).
    public func attachment(reportID: Int64, index: Int) throws -> Attachment? {
        guard let raw = try store.rawMessage(id: reportID) else { return nil }
        let files = try MessageParser.attachments(of: raw)
        return files.indices.contains(index) ? files[index] : nil
    }

    /// What intake recorded of each report's attachments.
    public func attachments(reportIDs: [Int64]) throws -> [Int64: [AttachmentInfo]] {
        try store.attachmentsOfReports(reportIDs)
    }

    /// A stored message's bytes exactly as fetched.
    public func rawMessage(id: Int64) throws -> [UInt8]? { try store.rawMessage(id: id) }

    /// Records that an admin downloaded a raw message (it carries the citizen's address), on each of its clusters.
    public func recordRawDownload(reportID: Int64, author: String) throws {
        let clusters = try store.clustersOfReport(reportID)
        if clusters.isEmpty {
            try store.recordConsoleAudit(
                clusterID: nil, author: author, action: "message brut téléchargé", detail: "message \(reportID)")
        }
        for c in clusters {
            try store.recordConsoleAudit(
                clusterID: c, author: author, action: "message brut téléchargé", detail: "message \(reportID)")
        }
    }
}
