import Foundation
import Synchronization
import Testing
import VigieCore
import VigieMail

/// The mail transaction Vigie speaks itself after libcurl's connect phase: one write for MAIL FROM, RCPT TO and DATA
/// when the relay offers PIPELINING, one command at a time when it does not, staying in step after a refusal, and
/// the data dot-stuffed. Every case runs against the scripted relay with and without PIPELINING.
@Suite struct SMTPPipeliningTests {
    static let message = CurlSMTPTransportTests.newsletter(to: "a@example.org")

    static func transport(_ server: TestSMTPServer) -> CurlSMTPTransport {
        CurlSMTPTransport(settings: SMTPEndpoint(url: server.url, timeoutSeconds: 5, heloName: "vigie.test"))
    }

    /// Offered: each transaction's MAIL FROM and RCPT TO arrive with the rest of the group behind them, DATA last
    /// and alone (the data waits for 354). Not offered: no command leaves before the reply to the previous one.
    @Test(arguments: [true, false])
    func envelopeIsPipelinedOnlyWhenOffered(pipelining: Bool) throws {
        let server = try TestSMTPServer(session: .init(offerPipelining: pipelining))
        defer { server.stop() }
        let transport = Self.transport(server)
        for i in 1...3 {
            let reply = transport.send(from: "b@vigie.test", to: "u\(i)@example.org", message: Self.message)
            #expect(reply.isAccepted, "\(reply)")
        }
        #expect(server.messages.count == 3)
        #expect(server.messages.allSatisfy { $0.data == Self.message })
        #expect(server.connectionCount == 1)
        let early = server.early.map(\.line)
        if pipelining {
            #expect(early.filter { $0.hasPrefix("MAIL FROM:<b@vigie.test>") }.count == 3, "\(early)")
            #expect(early.filter { $0.hasPrefix("RCPT TO:<u") }.count == 3, "\(early)")
            #expect(!early.contains("DATA"), "data went out before the 354: \(early)")
        } else {
            #expect(early.isEmpty, "sent ahead without PIPELINING: \(early)")
        }
        // SIZE is offered: the message's size is declared.
        let sized = "MAIL FROM:<b@vigie.test> SIZE=\(Self.message.count)"
        #expect(server.commands.filter { $0.line == sized }.count == 3)
    }

    struct RefusalCase: Sendable, CustomTestStringConvertible {
        var pipelining: Bool
        var outcome: TestSMTPServer.Outcome
        var code: Int
        var stage: SMTPReply.Stage
        /// The relay closes after it (421): the next message needs a new connection.
        var closes = false
        var testDescription: String { "\(code) at \(stage)\(pipelining ? ", pipelined" : "")" }
    }

    static let refusals: [RefusalCase] = [false, true].flatMap { p in
        [
            RefusalCase(pipelining: p, outcome: .reply(.rcpt, 550, "5.1.1 User unknown"), code: 550, stage: .rcptTo),
            RefusalCase(pipelining: p, outcome: .reply(.rcpt, 451, "4.7.1 Greylisted"), code: 451, stage: .rcptTo),
            RefusalCase(
                pipelining: p, outcome: .reply(.rcpt, 421, "4.7.0 Too busy"), code: 421, stage: .rcptTo,
                closes: true),
            RefusalCase(pipelining: p, outcome: .reply(.data, 554, "5.7.1 No thanks"), code: 554, stage: .data),
            RefusalCase(pipelining: p, outcome: .reply(.data, 451, "4.3.0 Later"), code: 451, stage: .data),
            RefusalCase(
                pipelining: p, outcome: .reply(.endOfData, 552, "5.3.4 Too big"), code: 552, stage: .message),
        ]
    }

    /// A refusal at RCPT TO, DATA or the end of data is the recipient's verdict, with the relay's code and text; the
    /// replies to what was pipelined behind it (the 554 "no valid recipients" to DATA) are read and dropped, RSET
    /// follows, and the next message goes over the same connection in step (a 421 closes it: a new one then).
    @Test(arguments: refusals)
    func refusalIsTheRecipientsAndTheSessionStaysInStep(c: RefusalCase) throws {
        let server = try TestSMTPServer(
            scripts: ["r@example.org": [c.outcome, .accept]], session: .init(offerPipelining: c.pipelining))
        defer { server.stop() }
        let transport = Self.transport(server)
        let refused = transport.send(from: "b@vigie.test", to: "r@example.org", message: Self.message)
        #expect(refused.failure == nil, "\(refused)")
        #expect(refused.code == c.code)
        #expect(refused.stage == c.stage)
        #expect(refused.text.hasPrefix("\(c.code) "), "\(refused.text)")
        #expect(DeliveryEvent(reply: refused) == .replied(code: c.code, text: refused.text))
        for recipient in ["r@example.org", "s@example.org"] {
            let next = transport.send(from: "b@vigie.test", to: recipient, message: Self.message)
            #expect(next.isAccepted, "\(recipient): \(next)")
        }
        #expect(server.messages.map(\.recipients) == [["r@example.org"], ["s@example.org"]])
        #expect(server.connectionCount == (c.closes ? 2 : 1))
        if !c.closes && c.stage != .message {
            #expect(server.commands.filter { $0.line == "RSET" }.count == 1)
        }
        if !c.pipelining { #expect(server.early.isEmpty) }
    }

    /// MAIL FROM refused with RCPT TO and DATA pipelined behind it: the session's fault (never the recipient's),
    /// and the relay's 503/554 to the rest do not shift the replies of the next transaction.
    @Test(arguments: [false, true])
    func refusedMailFromIsTheRelaysInStep(pipelining: Bool) throws {
        let server = try TestSMTPServer(
            session: .init(mailFrom: .init(code: 553, text: "5.7.1 Sender rejected"), offerPipelining: pipelining))
        defer { server.stop() }
        let transport = Self.transport(server)
        for _ in 1...2 {
            let reply = transport.send(from: "b@vigie.test", to: "a@example.org", message: Self.message)
            #expect(reply.failure == .rejected, "\(reply)")
            #expect(reply.code == 553)
            #expect(reply.stage == .mailFrom)
            #expect(reply.text == "553 5.7.1 Sender rejected")
        }
        #expect(server.messages.isEmpty)
        #expect(server.connectionCount == 1)
    }

    /// Lines starting with "." get one more on the wire and come back as they were; a message without a final CRLF
    /// gets one before the end of data; a message starting with a dot is stuffed too.
    @Test(arguments: [false, true])
    func dotsAreStuffedAndComeBackUnchanged(pipelining: Bool) throws {
        let server = try TestSMTPServer(session: .init(offerPipelining: pipelining))
        defer { server.stop() }
        let transport = Self.transport(server)
        var long = Array("Subject: dots\r\n\r\n".utf8)
        for i in 0..<5000 { long += Array((i % 3 == 0 ? ".line \(i)\r\n" : "line \(i).\r\n").utf8) }
        let cases: [(sent: [UInt8], received: [UInt8])] = [
            (Array("Subject: dots\r\n\r\n.\r\n..two\r\n.hidden\r\nend.\r\n".utf8), []),
            (Array(".first\r\n\r\nbody\r\n".utf8), []),
            (
                Array("Subject: no final line end\r\n\r\n.x".utf8),
                Array("Subject: no final line end\r\n\r\n.x\r\n".utf8)
            ),
            (long, []),
        ]
        for (index, c) in cases.enumerated() {
            let reply = transport.send(from: "b@vigie.test", to: "d\(index)@example.org", message: c.sent)
            #expect(reply.isAccepted, "case \(index): \(reply)")
        }
        #expect(server.messages.count == cases.count)
        for (index, c) in cases.enumerated() where index < server.messages.count {
            #expect(server.messages[index].data == (c.received.isEmpty ? c.sent : c.received), "case \(index)")
        }
    }

    /// A relay that closes an idle connection (or says 421 and closes) is noticed before the next message, which
    /// goes over a new connection instead of failing.
    @Test func closedIdleConnectionIsReplacedBeforeTheNextMessage() throws {
        let server = try TestSMTPServer(session: .init(offerPipelining: true))
        defer { server.stop() }
        let transport = Self.transport(server)
        #expect(transport.send(from: "b@vigie.test", to: "a@example.org", message: Self.message).isAccepted)
        server.dropConnections()
        let next = transport.send(from: "b@vigie.test", to: "c@example.org", message: Self.message)
        #expect(next.isAccepted, "\(next)")
        #expect(server.connectionCount == 2)
        #expect(transport.connectionsOpened == 2)
    }
}

/// One send on a thread of its own, for tests that play the relay's side step by step.
final class BackgroundSend: Sendable {
    private let outcome = Mutex<SMTPReply?>(nil)

    init(_ transport: CurlSMTPTransport, to recipient: String = "a@example.org", message: [UInt8]) {
        let thread = Thread { [self] in
            let reply = transport.send(from: "b@vigie.test", to: recipient, message: message)
            outcome.withLock { $0 = reply }
        }
        thread.start()
    }

    /// The reply, once the send returned (nil after `timeout` seconds).
    func wait(timeout: Double = 20) -> SMTPReply? {
        var reply: SMTPReply?
        _ = eventually(timeout: timeout, every: 0.02) {
            reply = outcome.withLock { $0 }
            return reply != nil
        }
        return reply
    }
}
