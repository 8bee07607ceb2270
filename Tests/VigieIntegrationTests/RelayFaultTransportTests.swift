import Foundation
import Testing
import VigieCore
import VigieMail

/// The transport tells a fault of the relay (session) from a verdict on the recipient, against real servers: the
/// scripted loopback relay, a TLS server behind STARTTLS, and libcurl's own URL and DNS handling.
@Suite struct RelayFaultTransportTests {
    static let message = Array("Subject: relais\r\n\r\nBonjour.\r\n".utf8)

    static func send(_ endpoint: SMTPEndpoint, to recipient: String = "a@example.org") -> SMTPReply {
        CurlSMTPTransport(settings: endpoint).send(from: "b@vigie.test", to: recipient, message: message)
    }

    struct SessionCase: Sendable, CustomTestStringConvertible {
        var name: String
        var script: TestSMTPServer.SessionScript
        var code: Int
        var stage: SMTPReply.Stage
        var transient: Bool
        var testDescription: String { name }
    }

    /// A refusal of the greeting, EHLO or MAIL FROM is the relay's, whatever the recipient: never a verdict on them.
    @Test(arguments: [
        SessionCase(
            name: "greeting 554", script: .init(greeting: .init(code: 554, text: "5.3.2 No SMTP service here")),
            code: 554, stage: .greeting, transient: false),
        SessionCase(
            name: "greeting 421", script: .init(greeting: .init(code: 421, text: "4.3.2 Too many connections")),
            code: 421, stage: .greeting, transient: true),
        SessionCase(
            name: "EHLO and HELO 502", script: .init(ehlo: .init(code: 502, text: "5.5.2 Not implemented")),
            code: 502, stage: .ehlo, transient: false),
        SessionCase(
            name: "MAIL FROM 553", script: .init(mailFrom: .init(code: 553, text: "5.7.1 Sender rejected")),
            code: 553, stage: .mailFrom, transient: false),
        SessionCase(
            name: "MAIL FROM 451", script: .init(mailFrom: .init(code: 451, text: "4.3.0 Try again later")),
            code: 451, stage: .mailFrom, transient: true),
    ])
    func sessionRefusalsAreTheRelays(c: SessionCase) throws {
        let server = try TestSMTPServer(session: c.script)
        defer { server.stop() }
        let reply = Self.send(SMTPEndpoint(url: server.url, timeoutSeconds: 5))
        #expect(reply.failure == .rejected, "\(reply)")
        #expect(reply.code == c.code)
        #expect(reply.stage == c.stage)
        #expect(reply.isSessionFault)
        #expect(!reply.isAccepted)
        let fault = try #require(RelayFault(reply: reply))
        #expect(fault.isTransient == c.transient)
        #expect(fault.cause.contains(String(c.code)), "\(fault.cause)")
        guard case .relayFault = DeliveryEvent(reply: reply) else {
            Issue.record("\(c.name) reached the recipient's state machine as \(DeliveryEvent(reply: reply))")
            return
        }
        #expect(server.messages.isEmpty)
    }

    struct RecipientCase: Sendable, CustomTestStringConvertible {
        var outcome: TestSMTPServer.Outcome
        var code: Int
        var stage: SMTPReply.Stage
        var testDescription: String { "\(code) at \(stage)" }
    }

    /// Replies to RCPT TO and to the data stay the recipient's, with the server's code and text.
    @Test(arguments: [
        RecipientCase(outcome: .reply(.rcpt, 550, "5.1.1 User unknown"), code: 550, stage: .rcptTo),
        RecipientCase(outcome: .reply(.rcpt, 451, "4.7.1 Greylisted"), code: 451, stage: .rcptTo),
        RecipientCase(outcome: .reply(.endOfData, 554, "5.7.1 Spam"), code: 554, stage: .message),
        RecipientCase(outcome: .reply(.endOfData, 452, "4.3.1 Full"), code: 452, stage: .message),
    ])
    func recipientRepliesStayTheRecipients(c: RecipientCase) throws {
        let server = try TestSMTPServer(scripts: ["r@example.org": [c.outcome]])
        defer { server.stop() }
        let reply = Self.send(SMTPEndpoint(url: server.url, timeoutSeconds: 5), to: "r@example.org")
        #expect(reply.failure == nil, "\(reply)")
        #expect(reply.code == c.code)
        #expect(reply.stage == c.stage)
        #expect(!reply.isSessionFault)
        #expect(DeliveryEvent(reply: reply) == .replied(code: c.code, text: reply.text))
    }

    /// Credentials configured and a relay that offers no AUTH: libcurl would go on without it; the message must not
    /// be handed over (the relay never gets its end of data), and the fault says so.
    @Test(arguments: [false, true])
    func noAuthOfferedNeverHandsTheMessageOver(relayRequiresAuth: Bool) throws {
        let server = try TestSMTPServer(
            credentials: relayRequiresAuth ? ("vigie", "secret") : nil,
            session: .init(offerAuth: false))
        defer { server.stop() }
        let reply = Self.send(SMTPEndpoint(url: server.url, user: "vigie", password: "secret", timeoutSeconds: 5))
        #expect(reply.failure == .authUnavailable, "\(reply)")
        #expect(!reply.isAccepted)
        #expect(server.messages.isEmpty)
        #expect(!server.commands.contains { $0.line.hasPrefix("AUTH") })
        let fault = try #require(RelayFault(reply: reply))
        #expect(!fault.isTransient)
        #expect(fault.cause.contains("offers no AUTH"))
    }

    /// The same relay without credentials configured delivers (the check only guards configured credentials).
    @Test func noAuthNeededWithoutCredentials() throws {
        let server = try TestSMTPServer(session: .init(offerAuth: false))
        defer { server.stop() }
        let reply = Self.send(SMTPEndpoint(url: server.url, timeoutSeconds: 5))
        #expect(reply.isAccepted, "\(reply)")
        #expect(server.messages.count == 1)
    }

    /// Authenticated once, the connection carries the next messages without AUTH again.
    @Test func authenticatedConnectionIsReusedWithoutAuthAgain() throws {
        let server = try TestSMTPServer(credentials: ("vigie", "secret"))
        defer { server.stop() }
        let transport = CurlSMTPTransport(
            settings: SMTPEndpoint(url: server.url, user: "vigie", password: "secret", timeoutSeconds: 5))
        for i in 1...3 {
            let reply = transport.send(from: "b@vigie.test", to: "u\(i)@example.org", message: Self.message)
            #expect(reply.isAccepted, "\(reply)")
        }
        #expect(server.connectionCount == 1)
        #expect(server.commands.filter { $0.line.hasPrefix("AUTH") }.count == 1)
        #expect(server.messages.count == 3)
    }

    /// Settings libcurl cannot use are configuration faults, never a recipient's failure.
    @Test(arguments: [
        "smtp://", "smtp://127.0.0.1:99999", "gopher://127.0.0.1:25", "http://127.0.0.1:25",
        "smtp://127.0.0.1:abc",
    ])
    func malformedURLIsAConfigurationFault(url: String) {
        let reply = Self.send(SMTPEndpoint(url: url, timeoutSeconds: 5))
        #expect(reply.failure == .configuration, "\(reply)")
        #expect(reply.isSessionFault)
        #expect(RelayFault(reply: reply)?.isTransient == false)
    }

    @Test func unreadableCAFileIsAConfigurationFault() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let reply = Self.send(
            SMTPEndpoint(
                url: "smtps://127.0.0.1:\(server.port)", caFile: "/nonexistent/ca.pem",
                timeoutSeconds: 5))
        #expect(reply.failure == .configuration, "\(reply)")
        #expect(RelayFault(reply: reply)?.cause.contains("ca_file") == true)
    }

    @Test func unresolvableHostIsAResolveFault() {
        let reply = Self.send(SMTPEndpoint(url: "smtp://relay.vigie-test.invalid:25", timeoutSeconds: 5))
        #expect(reply.failure == .resolve, "\(reply)")
        #expect(RelayFault(reply: reply)?.isTransient == true)
    }

    /// An unanswered end of data costs about the configured timeout (3 s), closing the handle included — not
    /// libcurl's 120 s default, nor a second timeout waiting for QUIT's reply — and is the message's (it may have
    /// been taken); an unanswered RCPT TO is the session's. (Bound: 2 × the timeout, which the old behaviour
    /// reached: the timeout for the data, then again for QUIT.)
    @Test(arguments: [TestSMTPServer.Stage.endOfData, .rcpt])
    func unansweredStageCostsTheConfiguredTimeout(stage: TestSMTPServer.Stage) throws {
        let server = try TestSMTPServer(scripts: ["slow@example.org": [.silent(stage)]])
        defer { server.stop() }
        let start = Date()
        var transport: CurlSMTPTransport? = CurlSMTPTransport(
            settings: SMTPEndpoint(url: server.url, timeoutSeconds: 3))
        let reply = transport!.send(from: "b@vigie.test", to: "slow@example.org", message: Self.message)
        transport = nil
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 6, "an unanswered \(stage) took \(elapsed) s with a 3 s timeout")
        if stage == .endOfData {
            #expect(reply.failure == .timeoutDuringData, "\(reply)")
            #expect(DeliveryEvent(reply: reply) == .timeout)
        } else {
            #expect(reply.failure == .timeout, "\(reply)")
            #expect(reply.stage == .rcptTo)
            #expect(reply.isSessionFault)
        }
    }

    /// After a timed-out end of data the connection is never reused: a late reply would be read as the answer to
    /// the next MAIL FROM. The next message goes over a new connection.
    @Test func timedOutConnectionIsNotReused() throws {
        let server = try TestSMTPServer(scripts: ["slow@example.org": [.silent(.endOfData)]])
        defer { server.stop() }
        let transport = CurlSMTPTransport(settings: SMTPEndpoint(url: server.url, timeoutSeconds: 2))
        let first = transport.send(from: "b@vigie.test", to: "slow@example.org", message: Self.message)
        #expect(first.failure == .timeoutDuringData, "\(first)")
        let next = transport.send(from: "b@vigie.test", to: "ok@example.org", message: Self.message)
        #expect(next.isAccepted, "\(next)")
        #expect(server.connectionCount == 2)
        #expect(server.messages.map(\.recipients) == [["ok@example.org"]])
    }

    /// Releasing the transport says QUIT but does not wait the whole timeout for a relay that never answers it:
    /// `newsletter send` used to idle that long (60 s by default) after its last message.
    @Test func unansweredQuitDoesNotHoldTheProcess() throws {
        let server = try TestSMTPServer(session: .init(answerQuit: false))
        defer { server.stop() }
        var transport: CurlSMTPTransport? = CurlSMTPTransport(
            settings: SMTPEndpoint(url: server.url, timeoutSeconds: 8))
        let reply = transport!.send(from: "b@vigie.test", to: "a@example.org", message: Self.message)
        #expect(reply.isAccepted, "\(reply)")
        let start = Date()
        transport = nil
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 4, "closing took \(elapsed) s with an 8 s timeout")
        #expect(server.commands.contains { $0.line == "QUIT" }, "QUIT is still said")
    }

    // MARK: - STARTTLS

    /// STARTTLS with a self-signed certificate the client does not trust: the relay's fault, found at the handshake,
    /// before any envelope goes out.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: SMTPTLSTests.openssl), "needs openssl"))
    func untrustedCertificateBehindStarttls() throws {
        let tls = try SMTPTLSTests.TLSServer()
        defer { tls.stop() }
        let server = try TestSMTPServer(session: .init(starttlsPort: tls.port))
        defer { server.stop() }
        let reply = Self.send(SMTPEndpoint(url: server.url, starttls: true, timeoutSeconds: 5))
        #expect(reply.failure == .untrustedCertificate, "\(reply)")
        #expect(reply.stage == .starttls)
        #expect(server.commands.contains { $0.line == "STARTTLS" })
        #expect(!server.commands.contains { $0.line.hasPrefix("MAIL FROM") })
        #expect(!tls.transcript.contains("MAIL FROM"))
        let fault = try #require(RelayFault(reply: reply))
        #expect(!fault.isTransient)
        #expect(fault.cause.hasPrefix("untrusted certificate — set ca_file"))
    }

    /// The same relay with its certificate trusted through ca_file carries the message: the failure above is the
    /// certificate's, not the test relay's. The TLS side answers step by step (EHLO again, then the transaction).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: SMTPTLSTests.openssl), "needs openssl"))
    func trustedCertificateBehindStarttlsDelivers() throws {
        let tls = try SMTPTLSTests.TLSServer()
        defer { tls.stop() }
        tls.reply(["250-tls.test", "250-PIPELINING", "250 8BITMIME"])
        let server = try TestSMTPServer(session: .init(starttlsPort: tls.port))
        defer { server.stop() }
        let transport = CurlSMTPTransport(
            settings: SMTPEndpoint(url: server.url, starttls: true, caFile: tls.certificatePath, timeoutSeconds: 5))
        let send = BackgroundSend(transport, message: Self.message)
        #expect(eventually(timeout: 10, every: 0.02) { tls.transcript.contains("DATA\r\n") })
        tls.reply(["250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>"])
        #expect(eventually(timeout: 10, every: 0.02) { tls.transcript.contains("\r\n.\r\n") })
        tls.reply(["250 2.0.0 Ok: queued after STARTTLS", "221 2.0.0 Bye"])
        let reply = try #require(send.wait())
        #expect(reply.isAccepted, "\(reply)")
        #expect(reply.text == "250 2.0.0 Ok: queued after STARTTLS")
        // Nothing but STARTTLS went out in clear; the envelope went in one write, over TLS.
        #expect(!server.commands.contains { $0.line.hasPrefix("MAIL FROM") })
        #expect(tls.transcript.contains("MAIL FROM:<b@vigie.test>\r\nRCPT TO:<a@example.org>\r\nDATA\r\n"))
    }
}
