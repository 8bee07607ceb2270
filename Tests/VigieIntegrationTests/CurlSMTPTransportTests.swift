import Foundation
import Testing
import VigieCore
import VigieMail

/// The libcurl SMTP transport against a scripted loopback server and Postfix's smtp-sink.
@Suite struct CurlSMTPTransportTests {
    static func newsletter(to recipient: String, number: Int = 1) -> [UInt8] {
        let list = ListHeaders(
            listID: "Lettre Vigie <lettre.vigie.test>", unsubscribeURLBase: "https://vigie.test/u/",
            unsubscribeMailbox: "desabonnement@vigie.test", bounceDomain: "vigie.test")
        let message = OutgoingMessage(
            from: MailAddress(name: "Vigie — veille citoyenne", address: "lettre@vigie.test"),
            to: MailAddress(name: "Abonné n°\(number)", address: recipient),
            subject: "Lettre d’information n°\(number) : les signalements de la semaine",
            date: Date(timeIntervalSince1970: 1_700_000_000 + Double(number)),
            timeZone: TimeZone(identifier: "Europe/Paris")!,
            messageID: "\(number).abc@vigie.test",
            headers: list.fields(token: "tok\(number)")!,
            textBody: "Bonjour,\n.\nUne ligne avec un point seul ci-dessus.\n\nÀ bientôt,\nl’équipe",
            htmlBody: "<p>Bonjour,</p>\n<p>À bientôt</p>\n")
        return MessageComposer.compose(message)
    }

    static func endpoint(
        _ server: TestSMTPServer, user: String? = nil, password: String? = nil,
        mechanism: SMTPEndpoint.AuthMechanism? = nil
    ) -> SMTPEndpoint {
        SMTPEndpoint(
            url: server.url, user: user, password: password, authMechanism: mechanism,
            timeoutSeconds: 10, heloName: "vigie.test")
    }

    @Test func receivedBytesEqualTheComposedMessage() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let transport = CurlSMTPTransport(settings: Self.endpoint(server))
        let message = Self.newsletter(to: "alice@example.org")
        let reply = transport.send(from: "bounces+tok1@vigie.test", to: "alice@example.org", message: message)
        #expect(reply.code == 250)
        #expect(reply.isAccepted)
        #expect(reply.failure == nil)
        #expect(reply.text.hasPrefix("250 2.0.0 Ok"))
        let received = try #require(server.messages.first)
        #expect(received.mailFrom == "bounces+tok1@vigie.test")
        #expect(received.recipients == ["alice@example.org"])
        #expect(received.data == message)
        #expect(server.commands.contains { $0.line == "EHLO vigie.test" })
    }

    /// libcurl must dot-stuff lines that start with "." and the server unstuffs them back to the same bytes.
    @Test func rawDotsSurviveTheTransfer() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let transport = CurlSMTPTransport(settings: Self.endpoint(server))
        let raw = Array("Subject: dots\r\n\r\n.\r\n..two\r\n.hidden\r\nend.\r\n".utf8)
        let reply = transport.send(from: "a@vigie.test", to: "bob@example.org", message: raw)
        #expect(reply.code == 250)
        #expect(server.messages.first?.data == raw)
    }

    @Test func oneHandleSendsTwentyMessagesOverOneConnection() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let transport = CurlSMTPTransport(settings: Self.endpoint(server))
        for i in 1...20 {
            let rcpt = "user\(i)@example.org"
            let reply = transport.send(
                from: "bounces+t\(i)@vigie.test", to: rcpt, message: Self.newsletter(to: rcpt, number: i))
            #expect(reply.isAccepted, "message \(i): \(reply)")
        }
        #expect(server.messages.count == 20)
        #expect(server.connectionCount == 1)
        #expect(transport.connectionsOpened == 1)
        #expect(Set(server.messages.map(\.connection)) == [1])
        #expect(server.commands.filter { $0.line.hasPrefix("MAIL FROM:") }.count == 20)
        #expect(server.commands.filter { $0.line.hasPrefix("EHLO") }.count == 1)
        for (i, received) in server.messages.enumerated() {
            #expect(received.data == Self.newsletter(to: "user\(i + 1)@example.org", number: i + 1))
        }
    }

    @Test func maxMessagesPerConnectionOpensFreshConnections() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let transport = CurlSMTPTransport(settings: Self.endpoint(server), maxMessagesPerConnection: 5)
        for i in 1...12 {
            let reply = transport.send(
                from: "b@vigie.test", to: "u\(i)@example.org", message: Self.newsletter(to: "u\(i)@example.org"))
            #expect(reply.isAccepted)
        }
        #expect(server.connectionCount == 3)
        #expect(transport.connectionsOpened == 3)
        let perConnection = Dictionary(grouping: server.messages, by: \.connection).mapValues(\.count)
        #expect(perConnection == [1: 5, 2: 5, 3: 2])
    }

    @Test func temporaryFailureComesBackThenSucceeds() throws {
        let server = try TestSMTPServer(scripts: [
            "grey@example.org": [.reply(.endOfData, 451, "4.7.1 Greylisted, try again later"), .accept]
        ])
        defer { server.stop() }
        let transport = CurlSMTPTransport(settings: Self.endpoint(server))
        let message = Self.newsletter(to: "grey@example.org")
        let first = transport.send(from: "b@vigie.test", to: "grey@example.org", message: message)
        #expect(first.code == 451)
        #expect(first.text == "451 4.7.1 Greylisted, try again later")
        #expect(first.failure == nil)
        #expect(!first.isConnectionFailure)
        #expect(DeliveryEvent(reply: first) == .replied(code: 451, text: first.text))
        let second = transport.send(from: "b@vigie.test", to: "grey@example.org", message: message)
        #expect(second.code == 250)
        #expect(server.messages.count == 1)
    }

    @Test func recipientRejectionKeepsCodeAndText() throws {
        let server = try TestSMTPServer(scripts: [
            "nobody@example.org": [.reply(.rcpt, 550, "5.1.1 <nobody@example.org>: Recipient address rejected")]
        ])
        defer { server.stop() }
        let transport = CurlSMTPTransport(settings: Self.endpoint(server))
        let reply = transport.send(
            from: "b@vigie.test", to: "nobody@example.org",
            message: Self.newsletter(to: "nobody@example.org"))
        #expect(reply.code == 550)
        #expect(reply.text == "550 5.1.1 <nobody@example.org>: Recipient address rejected")
        #expect(reply.failure == nil)
        #expect(server.messages.isEmpty)
        // The handle is still usable afterwards.
        let next = transport.send(
            from: "b@vigie.test", to: "ok@example.org", message: Self.newsletter(to: "ok@example.org"))
        #expect(next.code == 250)
    }

    @Test func multilineRejectionKeepsEveryLine() throws {
        let server = try TestSMTPServer(scripts: [
            "spam@example.org": [.reply(.endOfData, 554, "5.7.1 Message rejected\n5.7.1 see https://policy.test")]
        ])
        defer { server.stop() }
        let transport = CurlSMTPTransport(settings: Self.endpoint(server))
        let reply = transport.send(
            from: "b@vigie.test", to: "spam@example.org", message: Self.newsletter(to: "spam@example.org"))
        #expect(reply.code == 554)
        #expect(reply.text == "554-5.7.1 Message rejected\n554 5.7.1 see https://policy.test")
    }

    @Test func serviceUnavailable421IsReportedAsSuch() throws {
        let server = try TestSMTPServer(scripts: ["busy@example.org": [.reply(.rcpt, 421, "4.7.0 Too many messages")]])
        defer { server.stop() }
        let transport = CurlSMTPTransport(settings: Self.endpoint(server))
        let reply = transport.send(
            from: "b@vigie.test", to: "busy@example.org", message: Self.newsletter(to: "busy@example.org"))
        #expect(reply.code == 421)
        #expect(DeliveryEvent(reply: reply) == .replied(code: 421, text: "421 4.7.0 Too many messages"))
    }

    /// Before the message is handed over a drop is the session's (the delivery is left alone); after it, the
    /// message's (the relay may have taken it: deferred, at-least-once).
    @Test(arguments: [TestSMTPServer.Stage.rcpt, .endOfData])
    func droppedConnectionIsAConnectionFailureAndTheNextSendReconnects(stage: TestSMTPServer.Stage) throws {
        let server = try TestSMTPServer(scripts: ["drop@example.org": [.drop(stage), .accept]])
        defer { server.stop() }
        let transport = CurlSMTPTransport(settings: Self.endpoint(server))
        let warmup = transport.send(
            from: "b@vigie.test", to: "a@example.org", message: Self.newsletter(to: "a@example.org"))
        #expect(warmup.code == 250)
        let message = Self.newsletter(to: "drop@example.org")
        let dropped = transport.send(from: "b@vigie.test", to: "drop@example.org", message: message)
        #expect(dropped.code == 0)
        #expect(dropped.isConnectionFailure)
        #expect(!dropped.text.isEmpty)
        if stage == .rcpt {
            #expect(dropped.failure == .connection)
            #expect(dropped.stage == .rcptTo)
            #expect(dropped.isSessionFault)
            guard case .relayFault(let fault) = DeliveryEvent(reply: dropped) else {
                Issue.record("a drop before the message must be a relay fault: \(dropped)")
                return
            }
            #expect(fault.isTransient)
        } else {
            #expect(dropped.failure == .droppedDuringData)
            #expect(dropped.stage == .message)
            #expect(!dropped.isSessionFault)
            #expect(DeliveryEvent(reply: dropped) == .connectionDropped)
        }
        let again = transport.send(from: "b@vigie.test", to: "drop@example.org", message: message)
        #expect(again.code == 250)
        #expect(server.connectionCount == 2)
        #expect(transport.connectionsOpened == 2)
        #expect(server.messages.last?.data == message)
    }

    @Test func refusedConnectionIsAConnectionFailure() throws {
        let server = try TestSMTPServer()
        let url = server.url
        server.stop()
        let transport = CurlSMTPTransport(settings: SMTPEndpoint(url: url, timeoutSeconds: 5))
        let reply = transport.send(from: "b@vigie.test", to: "a@example.org", message: Array("x\r\n".utf8))
        #expect(reply.code == 0)
        #expect(reply.failure == .connection)
        #expect(reply.text.lowercased().contains("connect"))
    }

    @Test func unansweredServerTimesOut() throws {
        // A listening socket that never accepts: the greeting never comes.
        let silent = try SilentListener()
        let transport = CurlSMTPTransport(
            settings: SMTPEndpoint(url: "smtp://127.0.0.1:\(silent.port)", timeoutSeconds: 1))
        let start = Date()
        let reply = transport.send(from: "b@vigie.test", to: "a@example.org", message: Array("x\r\n".utf8))
        #expect(reply.code == 0)
        #expect(reply.failure == .timeout)
        #expect(reply.isSessionFault)
        #expect(RelayFault(reply: reply)?.isTransient == true)
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test(arguments: [SMTPEndpoint.AuthMechanism.plain, .login])
    func authenticatesWithTheChosenMechanism(mechanism: SMTPEndpoint.AuthMechanism) throws {
        let server = try TestSMTPServer(credentials: ("vigie", "s3cret é"))
        defer { server.stop() }
        let transport = CurlSMTPTransport(
            settings: Self.endpoint(server, user: "vigie", password: "s3cret é", mechanism: mechanism))
        let reply = transport.send(
            from: "b@vigie.test", to: "a@example.org", message: Self.newsletter(to: "a@example.org"))
        #expect(reply.isAccepted)
        #expect(server.messages.count == 1)
        #expect(server.commands.contains { $0.line.hasPrefix("AUTH \(mechanism.rawValue)") })
    }

    @Test func refusedCredentialsAreAnAuthenticationFailure() throws {
        let server = try TestSMTPServer(credentials: ("vigie", "right"))
        defer { server.stop() }
        let transport = CurlSMTPTransport(
            settings: Self.endpoint(server, user: "vigie", password: "wrong", mechanism: .plain))
        let reply = transport.send(
            from: "b@vigie.test", to: "a@example.org", message: Self.newsletter(to: "a@example.org"))
        #expect(reply.failure == .authentication)
        #expect(reply.code == 535)
        #expect(reply.stage == .auth)
        // The recipient is not at fault, and wrong credentials do not fix themselves: the run stops at once.
        let fault = try #require(RelayFault(reply: reply))
        #expect(!fault.isTransient)
        #expect(fault.cause.hasPrefix("credentials refused (535)"))
        #expect(server.messages.isEmpty)
    }

    @Test func injectedEnvelopeAddressesCannotAddCommands() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let transport = CurlSMTPTransport(settings: Self.endpoint(server))
        let reply = transport.send(
            from: "b@vigie.test", to: "a@example.org>\r\nRCPT TO:<evil@example.org",
            message: Self.newsletter(to: "a@example.org"))
        #expect(server.commands.filter { $0.line.hasPrefix("RCPT TO:") }.count == 1)
        #expect(!server.commands.contains { $0.line.hasPrefix("RCPT TO:<evil") })
        _ = reply
    }

    /// A TLS requirement the server cannot meet must fail rather than send in clear.
    @Test func starttlsRequiredButNotOfferedFailsClosed() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        var settings = Self.endpoint(server)
        settings.starttls = true
        let transport = CurlSMTPTransport(settings: settings)
        let reply = transport.send(
            from: "b@vigie.test", to: "a@example.org", message: Self.newsletter(to: "a@example.org"))
        #expect(reply.code != 250)
        #expect(reply.failure == .starttlsUnavailable)
        #expect(RelayFault(reply: reply)?.isTransient == false)
        #expect(server.messages.isEmpty)
        #expect(!server.commands.contains { $0.line.hasPrefix("MAIL FROM") })
    }
}

/// A socket that listens but never accepts: connections hang before the greeting.
final class SilentListener: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard listen(fd, 4) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = UInt16(bigEndian: addr.sin_port)
    }

    deinit { close(fd) }
}
