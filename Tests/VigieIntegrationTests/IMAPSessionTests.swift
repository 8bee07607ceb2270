import Foundation
import Logging
import Synchronization
import Testing
import VigieCore

@testable import VigieMail

/// IMAPSession against the private Dovecot of deploy/local/servers.sh; each test logs in as a fresh user.
@Suite("IMAPSession", .serialized)
struct IMAPSessionTests {
    static let logger = Logger(label: "test.imap")

    static func endpoint(
        _ user: String, security: IMAPEndpoint.Security = .plain, password: String = "secret",
        host: String = LocalServers.host, caFile: String? = LocalServers.tlsCA,
        verify: Bool = true
    ) -> IMAPEndpoint {
        let port = security == .tls ? LocalServers.imapsPort : LocalServers.imapPort
        return IMAPEndpoint(
            host: host, port: port, security: security, user: user, password: password,
            caFile: caFile, verifyCertificates: verify, timeoutSeconds: 5)
    }

    static func open(_ user: String, security: IMAPEndpoint.Security = .plain) throws -> IMAPSession {
        try LocalServers.requireIMAP()
        return try IMAPSession(endpoint: endpoint(user, security: security), logger: logger)
    }

    /// A CRLF message (IMAP hands back CRLF, so these come back byte for byte), with 8-bit UTF-8 in the body.
    static func message(_ n: Int, bodyLines: Int = 3) -> [UInt8] {
        var text = "From: Citoyenne \(n) <citoyenne\(n)@example.org>\r\n"
        text += "To: signalements@vigie.test\r\n"
        text += "Subject: Signalement n°\(n)\r\n"
        text += "Message-ID: <msg-\(n)-\(UUID().uuidString)@example.org>\r\n"
        text += "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
        text += "MIME-Version: 1.0\r\n"
        text += "Content-Type: text/plain; charset=utf-8\r\n"
        text += "Content-Transfer-Encoding: 8bit\r\n"
        text += "\r\n"
        for line in 0..<bodyLines {
            text += "Ligne \(line) : propos haineux signalé sur https://example.org/post/\(n)/\(line) — à vérifier.\r\n"
        }
        return Array(text.utf8)
    }

    static func headerPart(_ message: [UInt8]) -> [UInt8] {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        for i in 0...(message.count - separator.count) where Array(message[i..<i + separator.count]) == separator {
            return Array(message[..<(i + separator.count)])
        }
        return message
    }

    // MARK: - Login and transport security

    @Test func loginReportsPostLoginCapabilities() throws {
        let session = try Self.open(LocalServers.uniqueUser())
        defer { session.logout() }
        // MOVE and UIDPLUS are only announced after login by Dovecot: proves the post-login list is used.
        #expect(session.capabilities.isSuperset(of: ["IMAP4REV1", "IDLE", "MOVE", "UIDPLUS"]))
    }

    @Test func wrongPasswordIsAnAuthenticationError() throws {
        try LocalServers.requireIMAP()
        let endpoint = Self.endpoint(LocalServers.uniqueUser(), password: "not-the-password")
        let error = try #require(throws: EtpanError.self) { try IMAPSession(endpoint: endpoint, logger: Self.logger) }
        #expect(error.kind == .authentication)
        #expect(!error.isTransient)
        #expect(error.serverText?.contains("Authentication failed") == true, "\(error)")
    }

    @Test(arguments: [IMAPEndpoint.Security.plain, .starttls, .tls])
    func connectsWithEachSecurityMode(security: IMAPEndpoint.Security) throws {
        let user = LocalServers.uniqueUser()
        try LocalServers.requireIMAP()
        try LocalServers.deliver([Self.message(1)], to: user)
        let session = try IMAPSession(endpoint: Self.endpoint(user, security: security), logger: Self.logger)
        defer { session.logout() }
        #expect(try session.select("INBOX").messageCount == 1)
        // STARTTLS is only offered before TLS is on; after login it must be gone from a TLS session's list.
        if security != .plain { #expect(!session.capabilities.contains("STARTTLS")) }
    }

    @Test(arguments: [IMAPEndpoint.Security.starttls, .tls])
    func hostNameIsCheckedAgainstTheCertificate(security: IMAPEndpoint.Security) throws {
        try LocalServers.requireIMAP()
        // The certificate names IP:127.0.0.1 and DNS:localhost; both must verify.
        let session = try IMAPSession(
            endpoint: Self.endpoint(LocalServers.uniqueUser(), security: security, host: "localhost"),
            logger: Self.logger)
        session.logout()
    }

    @Test(arguments: [IMAPEndpoint.Security.starttls, .tls])
    func selfSignedCertificateIsRejectedWithoutItsCA(security: IMAPEndpoint.Security) throws {
        try LocalServers.requireIMAP()
        let endpoint = Self.endpoint(LocalServers.uniqueUser(), security: security, caFile: nil)
        let error = try #require(throws: EtpanError.self) { try IMAPSession(endpoint: endpoint, logger: Self.logger) }
        #expect(error.kind == .certificate)
        #expect(error.operation.contains("certificate"), "\(error)")
        #expect(!error.isTransient, "a certificate does not become trusted by retrying")
    }

    @Test func certificateFromAnotherCAIsRejected() throws {
        try LocalServers.requireIMAP()
        // A valid PEM bundle that does not hold our certificate: the system's.
        let otherCA = "/etc/ssl/certs/ca-certificates.crt"
        try #require(FileManager.default.fileExists(atPath: otherCA))
        let endpoint = Self.endpoint(LocalServers.uniqueUser(), security: .tls, caFile: otherCA)
        let error = try #require(throws: EtpanError.self) { try IMAPSession(endpoint: endpoint, logger: Self.logger) }
        #expect(error.kind == .certificate)
    }

    @Test func verificationCanBeTurnedOffForSelfSignedTestServers() throws {
        try LocalServers.requireIMAP()
        let endpoint = Self.endpoint(LocalServers.uniqueUser(), security: .tls, caFile: nil, verify: false)
        let session = try IMAPSession(endpoint: endpoint, logger: Self.logger)
        session.logout()
    }

    @Test func closedPortFailsFastAsAConnectionError() throws {
        let port = LocalServers.closedPort()
        let endpoint = IMAPEndpoint(
            host: "127.0.0.1", port: port, security: .plain, user: "x", password: "y",
            timeoutSeconds: 5)
        let start = Date()
        let error = try #require(throws: EtpanError.self) { try IMAPSession(endpoint: endpoint, logger: Self.logger) }
        #expect(error.kind == .connection)
        #expect(error.isTransient)
        #expect(Date().timeIntervalSince(start) < 1)
    }

    @Test(arguments: [IMAPEndpoint.Security.plain, .tls])
    func silentServerTimesOutAsAConnectionFailure(security: IMAPEndpoint.Security) throws {
        // The kernel completes the TCP handshake for a listening socket nobody accepts: no greeting ever comes.
        let silent = try LocalServers.SilentListener()
        defer { silent.close() }
        let endpoint = IMAPEndpoint(
            host: "127.0.0.1", port: silent.port, security: security, user: "x",
            password: "y", timeoutSeconds: 1)
        let start = Date()
        let error = try #require(throws: EtpanError.self) { try IMAPSession(endpoint: endpoint, logger: Self.logger) }
        let elapsed = Date().timeIntervalSince(start)
        #expect(error.isTransient, "\(error)")
        #expect(error.kind == (security == .plain ? .connection : .tls), "\(error)")
        #expect(elapsed >= 0.9 && elapsed < 4, "gave up after \(elapsed) s")
    }

    @Test func connectionKilledByTheServerBecomesAConnectionError() throws {
        let user = LocalServers.uniqueUser()
        let session = try Self.open(user)
        defer { session.logout() }
        _ = try session.select("INBOX")
        try LocalServers.doveadm(["kick", user])
        // `doveadm kick` returns before the server's process has closed the connection: commands succeed until it
        // has, then the first one to read a closed socket fails.
        var caught: EtpanError?
        _ = eventually(timeout: 10, every: 0.05) {
            do {
                _ = try session.uids(from: 1)
            } catch let e as EtpanError {
                caught = e
            } catch {}
            return caught != nil
        }
        let error = try #require(caught, "the session still answered 10 s after the kick")
        #expect(error.kind == .connection, "\(error)")
        // Dead for good: no hang, no crash, the same kind of error at once.
        let again = try #require(throws: EtpanError.self) { _ = try session.select("INBOX") }
        #expect(again.kind == .connection)
    }

    // MARK: - Reading

    @Test func selectReportsUIDValidityUIDNextAndCount() throws {
        let user = LocalServers.uniqueUser()
        try LocalServers.requireIMAP()
        try LocalServers.deliver((1...3).map { Self.message($0) }, to: user)
        let session = try Self.open(user)
        defer { session.logout() }
        let status = try session.select("INBOX")
        let dovecot = try LocalServers.doveadm(["-f", "flow", "mailbox", "status", "-u", user, "uidvalidity", "INBOX"])
        #expect(status.messageCount == 3)
        #expect(status.uidNext == 4)
        #expect(dovecot.contains("uidvalidity=\(status.uidValidity)"), "\(dovecot)")
        #expect(status.uidValidity != 0)
    }

    @Test func selectOfAMissingMailboxIsAProtocolError() throws {
        let session = try Self.open(LocalServers.uniqueUser())
        defer { session.logout() }
        let error = try #require(throws: EtpanError.self) { _ = try session.select("Nowhere") }
        #expect(error.kind == .protocolError)
        #expect(error.serverText?.isEmpty == false)
    }

    @Test(
        arguments: [
            (0, [1, 2, 3, 4]),
            (1, [1, 2, 3, 4]),
            (3, [3, 4]),
            (4, [4]),
            (5, []),  // the server answers "4" to UID SEARCH UID 5:* — filtered
            (1000, []),
        ] as [(UInt32, [UInt32])])
    func uidsFromSkipsTheHighestUIDQuirk(from: UInt32, expected: [UInt32]) throws {
        let user = LocalServers.uniqueUser()
        try LocalServers.requireIMAP()
        try LocalServers.deliver((1...4).map { Self.message($0) }, to: user)
        let session = try Self.open(user)
        defer { session.logout() }
        _ = try session.select("INBOX")
        #expect(try session.uids(from: from) == expected)
    }

    @Test func uidsOfAnEmptyMailbox() throws {
        let session = try Self.open(LocalServers.uniqueUser())
        defer { session.logout() }
        _ = try session.select("INBOX")
        #expect(try session.uids(from: 1) == [])
    }

    @Test func sizesAreTheDeliveredSizes() throws {
        let user = LocalServers.uniqueUser()
        let messages = [Self.message(1, bodyLines: 1), Self.message(2, bodyLines: 40), Self.message(3, bodyLines: 7)]
        try LocalServers.requireIMAP()
        try LocalServers.deliver(messages, to: user)
        let session = try Self.open(user)
        defer { session.logout() }
        _ = try session.select("INBOX")
        #expect(
            try session.sizes(of: [1, 2, 3, 99]) == [
                1: messages[0].count, 2: messages[1].count,
                3: messages[2].count,
            ])
        #expect(try session.sizes(of: []) == [:])
    }

    @Test func fetchFullReturnsTheExactBytesInOneGoWithoutSettingSeen() throws {
        let user = LocalServers.uniqueUser()
        let messages = (1...5).map { Self.message($0, bodyLines: $0 * 10) }
        try LocalServers.requireIMAP()
        try LocalServers.deliver(messages, to: user)
        let session = try Self.open(user)
        defer { session.logout() }
        _ = try session.select("INBOX")
        // Unordered, duplicated and missing UIDs: one compact set, answers in UID order, the missing one absent.
        let fetched = try session.fetchFull([5, 1, 3, 2, 3, 42])
        #expect(fetched.map(\.uid) == [1, 2, 3, 5])
        for item in fetched {
            #expect(item.raw == messages[Int(item.uid) - 1], "UID \(item.uid)")
            #expect(item.size == messages[Int(item.uid) - 1].count)
            #expect(!item.headerOnly)
        }
        #expect(try session.fetchFull([]).isEmpty)
        let flags = try LocalServers.flags(of: user)
        #expect(flags.values.allSatisfy { !$0.contains("\\Seen") }, "\(flags)")
    }

    @Test func fetchHeadersReturnsTheHeaderAndTheFullSize() throws {
        let user = LocalServers.uniqueUser()
        let messages = [Self.message(1, bodyLines: 20), Self.message(2, bodyLines: 2)]
        try LocalServers.requireIMAP()
        try LocalServers.deliver(messages, to: user)
        let session = try Self.open(user)
        defer { session.logout() }
        _ = try session.select("INBOX")
        let fetched = try session.fetchHeaders([1, 2])
        #expect(fetched.map(\.uid) == [1, 2])
        for item in fetched {
            let original = messages[Int(item.uid) - 1]
            #expect(item.raw == Self.headerPart(original))
            #expect(item.headerOnly)
            #expect(item.size == original.count)
        }
    }

    // MARK: - Changing

    @Test func markSeenSetsTheFlagOnTheServer() throws {
        let user = LocalServers.uniqueUser()
        try LocalServers.requireIMAP()
        try LocalServers.deliver((1...3).map { Self.message($0) }, to: user)
        let session = try Self.open(user)
        defer { session.logout() }
        _ = try session.select("INBOX")
        try session.markSeen([1, 3])
        let flags = try LocalServers.flags(of: user)
        #expect(flags[1]?.contains("\\Seen") == true)
        #expect(flags[2]?.contains("\\Seen") == false)
        #expect(flags[3]?.contains("\\Seen") == true)
    }

    @Test(arguments: [true, false])
    func moveIntoExistingAndMissingMailboxes(useMoveCommand: Bool) throws {
        let user = LocalServers.uniqueUser()
        try LocalServers.requireIMAP()
        try LocalServers.deliver((1...4).map { Self.message($0) }, to: user)
        try LocalServers.doveadm(["mailbox", "create", "-u", user, "Existing"])
        let session = try Self.open(user)
        defer { session.logout() }
        if !useMoveCommand {
            // Dovecot offers MOVE; hiding it exercises UID COPY + \Deleted + UID EXPUNGE.
            session.capabilities.remove("MOVE")
        }
        _ = try session.select("INBOX")
        try session.move([1, 2], to: "Existing")
        try session.move([4], to: "Created.Later")
        #expect(try session.uids(from: 1) == [3])
        #expect(try LocalServers.messageCount(of: user, mailbox: "INBOX") == 1)
        #expect(try LocalServers.messageCount(of: user, mailbox: "Existing") == 2)
        #expect(try LocalServers.messageCount(of: user, mailbox: "Created.Later") == 1)
        let moved = try session.select("Existing")
        #expect(moved.messageCount == 2)
        try session.move([], to: "Existing")
    }

    // MARK: - IDLE

    @Test func idleReturnsTrueSoonAfterADelivery() throws {
        let user = LocalServers.uniqueUser()
        let session = try Self.open(user)
        defer { session.logout() }
        _ = try session.select("INBOX")
        let message = Self.message(1)
        let deliveryError = DeliveryOutcome()
        let thread = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            do { try LocalServers.deliver([message], to: user) } catch { deliveryError.set("\(error)") }
        }
        thread.start()
        let start = Date()
        let announced = try session.idle(timeout: 10)
        let elapsed = Date().timeIntervalSince(start)
        #expect(deliveryError.get() == nil)
        #expect(announced)
        #expect(elapsed < 1.5, "IDLE took \(elapsed) s")
        #expect(try session.uids(from: 1) == [1])
    }

    /// A message announced in the reply to a command after the search (here the FETCH of the message already seen)
    /// is not lost: the next IDLE returns at once instead of waiting for a notification the server already sent.
    @Test func aDeliveryAnnouncedBeforeIdleIsNotLost() throws {
        let user = LocalServers.uniqueUser()
        try LocalServers.deliver([Self.message(1)], to: user)
        let session = try Self.open(user)
        defer { session.logout() }
        _ = try session.select("INBOX")
        #expect(try session.uids(from: 1) == [1])
        #expect(try session.idle(timeout: 0.2) == false, "nothing new since the search")
        try LocalServers.deliver([Self.message(2)], to: user)
        // Any command's reply carries the untagged EXISTS.
        _ = try session.sizes(of: [1])
        let start = Date()
        #expect(try session.idle(timeout: 5), "the EXISTS read before IDLE was dropped")
        #expect(Date().timeIntervalSince(start) < 4, "IDLE waited for its timeout")
        #expect(try session.uids(from: 2) == [2])
        // The announcement is used once: within a few slices (Dovecot may still notify about message 2), IDLE waits.
        var quiet = false
        for _ in 0..<4 where !quiet {
            quiet = try !session.idle(timeout: 0.3)
            if !quiet { #expect(try session.uids(from: 3).isEmpty) }
        }
        #expect(quiet, "IDLE keeps announcing a message already searched")
    }

    @Test func idleReturnsFalseAfterItsTimeoutWhenNothingArrives() throws {
        let session = try Self.open(LocalServers.uniqueUser())
        defer { session.logout() }
        _ = try session.select("INBOX")
        let start = Date()
        #expect(try session.idle(timeout: 0.4) == false)
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed >= 0.39 && elapsed < 2, "IDLE took \(elapsed) s")
        // Still usable after IDLE.
        #expect(try session.select("INBOX").messageCount == 0)
    }

    @Test func logoutTwiceIsHarmlessAndLaterCallsFail() throws {
        let session = try Self.open(LocalServers.uniqueUser())
        session.logout()
        session.logout()
        let error = try #require(throws: EtpanError.self) { _ = try session.select("INBOX") }
        #expect(error.kind == .connection)
    }
}

/// The delivery thread's error, read by the test thread.
final class DeliveryOutcome: Sendable {
    private let error = Mutex<String?>(nil)

    func set(_ text: String) { error.withLock { $0 = text } }
    func get() -> String? { error.withLock { $0 } }
}

/// IMAP sequence sets: the fewest ranges, so one command covers a batch.
@Suite struct IMAPUIDSetTests {
    @Test(arguments: [
        ([UInt32](), ""),
        ([7], "7"),
        ([3, 1, 2], "1:3"),
        ([1, 2, 3, 5, 7, 8, 9, 20], "1:3,5,7:9,20"),
        ([9, 9, 8, 0], "8:9"),
        ([UInt32.max, UInt32.max - 1], "4294967294:4294967295"),
    ])
    func compactsIntoRanges(uids: [UInt32], expected: String) {
        #expect(IMAPUIDSet(uids).imapString == expected)
    }
}
