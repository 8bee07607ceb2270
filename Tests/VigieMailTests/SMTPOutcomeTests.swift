import Testing
import VigieCore

@testable import VigieMail

/// The one decision between the recipient's verdict and the relay's fault, as a got/want table.
@Suite struct SMTPOutcomeTests {
    typealias Reply = TransferContext.Reply

    static let greeting = Reply(code: 220, text: "220 relay ESMTP", stage: .greeting)
    static let ehlo = Reply(code: 250, text: "250 relay", stage: .ehlo)
    static let mail = Reply(code: 250, text: "250 2.1.0 Ok", stage: .mailFrom)
    static let rcpt = Reply(code: 250, text: "250 2.1.5 Ok", stage: .rcptTo)
    static let go = Reply(code: 354, text: "354 go ahead", stage: .data)
    static let upToData = [greeting, ehlo, mail, rcpt, go]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var kind: CurlError.Kind?
        var replies: [Reply]
        var stage: SMTPReply.Stage
        var unauthenticated = false
        var code: Int
        var failure: SMTPReply.Failure?
        var testDescription: String { name }
    }

    @Test(arguments: [
        // The recipient's verdicts.
        Case(
            name: "250 after data", kind: nil, replies: upToData + [Reply(code: 250, text: "250 Ok", stage: .message)],
            stage: .message, code: 250, failure: nil),
        Case(
            name: "550 at RCPT", kind: .connectionLost,
            replies: [greeting, ehlo, mail, Reply(code: 550, text: "550 unknown", stage: .rcptTo)],
            stage: .rcptTo, code: 550, failure: nil),
        Case(
            name: "451 at RCPT", kind: .connectionLost,
            replies: [greeting, ehlo, mail, Reply(code: 451, text: "451 later", stage: .rcptTo)],
            stage: .rcptTo, code: 451, failure: nil),
        Case(
            name: "554 to DATA", kind: .connectionLost,
            replies: [greeting, ehlo, mail, rcpt, Reply(code: 554, text: "554 no", stage: .data)],
            stage: .data, code: 554, failure: nil),
        Case(
            name: "552 after data", kind: .serverReply,
            replies: upToData + [Reply(code: 552, text: "552 too big", stage: .message)],
            stage: .message, code: 552, failure: nil),
        // The message was handed over: unknown fate.
        Case(
            name: "timeout after data", kind: .timeout, replies: upToData, stage: .message, code: 0,
            failure: .timeoutDuringData),
        Case(
            name: "drop after data", kind: .connectionLost, replies: upToData, stage: .message, code: 0,
            failure: .droppedDuringData),
        // The session's faults, whatever the code.
        Case(
            name: "malformed URL", kind: .configuration, replies: [], stage: .connect, code: 0,
            failure: .configuration),
        Case(name: "ca_file", kind: .caFile, replies: [], stage: .connect, code: 0, failure: .configuration),
        Case(name: "DNS", kind: .resolve, replies: [], stage: .connect, code: 0, failure: .resolve),
        Case(name: "refused", kind: .connect, replies: [], stage: .connect, code: 0, failure: .connection),
        Case(name: "no greeting", kind: .timeout, replies: [], stage: .connect, code: 0, failure: .timeout),
        Case(
            name: "554 greeting", kind: .serverReply,
            replies: [Reply(code: 554, text: "554 go away", stage: .greeting)],
            stage: .greeting, code: 554, failure: .rejected),
        Case(
            name: "502 EHLO", kind: .serverReply,
            replies: [greeting, Reply(code: 502, text: "502 no", stage: .ehlo)], stage: .ehlo, code: 502,
            failure: .rejected),
        Case(
            name: "untrusted certificate", kind: .untrustedCertificate, replies: [greeting, ehlo],
            stage: .starttls, code: 0, failure: .untrustedCertificate),
        Case(name: "handshake", kind: .tlsHandshake, replies: [], stage: .connect, code: 0, failure: .tls),
        Case(
            name: "STARTTLS not offered", kind: .tlsRequired, replies: [greeting, ehlo], stage: .ehlo, code: 0,
            failure: .starttlsUnavailable),
        Case(
            name: "454 to STARTTLS", kind: .tlsRequired,
            replies: [greeting, ehlo, Reply(code: 454, text: "454 TLS not available", stage: .starttls)],
            stage: .starttls, code: 454, failure: .starttlsUnavailable),
        Case(
            name: "535 to AUTH", kind: .login,
            replies: [greeting, ehlo, Reply(code: 535, text: "535 5.7.8 Bad credentials", stage: .auth)],
            stage: .auth, code: 535, failure: .authentication),
        Case(
            name: "no common mechanism", kind: .login, replies: [greeting, ehlo], stage: .ehlo, code: 0,
            failure: .authUnavailable),
        Case(
            name: "530 at MAIL FROM, AUTH skipped", kind: .connectionLost,
            replies: [greeting, ehlo, Reply(code: 530, text: "530 auth required", stage: .mailFrom)],
            stage: .mailFrom, unauthenticated: true, code: 0, failure: .authUnavailable),
        Case(
            name: "aborted before the data, AUTH skipped", kind: .aborted, replies: upToData, stage: .message,
            unauthenticated: true, code: 0, failure: .authUnavailable),
        Case(
            name: "553 at MAIL FROM", kind: .connectionLost,
            replies: [greeting, ehlo, Reply(code: 553, text: "553 sender", stage: .mailFrom)],
            stage: .mailFrom, code: 553, failure: .rejected),
        Case(
            name: "451 at MAIL FROM", kind: .connectionLost,
            replies: [greeting, ehlo, Reply(code: 451, text: "451 later", stage: .mailFrom)],
            stage: .mailFrom, code: 451, failure: .rejected),
        Case(
            name: "drop at RCPT", kind: .connectionLost, replies: [greeting, ehlo, mail], stage: .rcptTo, code: 0,
            failure: .connection),
        Case(
            name: "timeout at RCPT", kind: .timeout, replies: [greeting, ehlo, mail], stage: .rcptTo, code: 0,
            failure: .timeout),
        Case(
            name: "short EHLO", kind: .serverReply, replies: [greeting], stage: .ehlo, code: 0,
            failure: .protocolError),
        Case(
            name: "success without a reply", kind: nil, replies: [], stage: .connect, code: 0,
            failure: .protocolError),
    ])
    func classify(c: Case) {
        let reply = SMTPOutcome.classify(
            SMTPOutcome.Observed(
                kind: c.kind, errorText: c.kind == nil ? "" : "libcurl says no (curl 99)", responseCode: 0,
                replies: c.replies, stage: c.stage, sentUnauthenticated: c.unauthenticated))
        #expect(reply.failure == c.failure, "\(reply)")
        #expect(reply.code == c.code, "\(reply)")
        // Every session fault reaches the state machine as the relay's, never as a verdict on the recipient.
        if let failure = c.failure, failure.isSessionFault {
            guard case .relayFault = DeliveryEvent(reply: reply) else {
                Issue.record("\(c.name): \(DeliveryEvent(reply: reply))")
                return
            }
        }
    }

    /// Commands are followed by their verb only, and a SASL response after 334 is never taken for a command.
    @Test func dialogueStagesFollowCommandsAndReplies() {
        let context = TransferContext(requireAuthentication: true)
        func out(_ s: String) { Array(s.utf8).withUnsafeBufferPointer { context.sent($0) } }
        func reply(_ s: String) { Array(s.utf8).withUnsafeBufferPointer { context.received($0) } }
        context.connecting()
        #expect(context.stage == .connect)
        reply("220 hi\r\n")
        #expect(context.stage == .greeting)
        out("EHLO vigie.test\r\n")
        reply("250-relay\r\n250 AUTH LOGIN\r\n")
        out("AUTH LOGIN\r\n")
        reply("334 VXNlcm5hbWU6\r\n")
        out("DATA\r\n")  // a user name that happens to read "DATA": still the SASL exchange
        #expect(context.stage == .auth)
        reply("334 UGFzc3dvcmQ6\r\n")
        out("c2VjcmV0\r\n")
        reply("235 ok\r\n")
        #expect(context.authenticated)
        out("MAIL FROM:<b@vigie.test>\r\n")
        #expect(!context.sentUnauthenticated)
        reply("250 ok\r\n")
        out("RCPT TO:<a@example.org>\r\n")
        reply("250 ok\r\n")
        out("DATA\r\n")
        reply("354 go\r\n")
        #expect(context.stage == .message)
        reply("250 queued\r\n")
        out("QUIT\r\n")
        reply("221 bye\r\n")
        #expect(context.replies.last?.code == 250, "QUIT's reply is not a verdict")
        #expect(
            context.replies.map(\.stage) == [
                .greeting, .ehlo, .auth, .auth, .auth, .mailFrom, .rcptTo, .data,
                .message,
            ])
    }

    @Test func mailWithoutAuthIsFlagged() {
        let context = TransferContext(requireAuthentication: true)
        context.connecting()
        Array("220 hi\r\n".utf8).withUnsafeBufferPointer { context.received($0) }
        Array("MAIL FROM:<b@vigie.test>\r\n".utf8).withUnsafeBufferPointer { context.sent($0) }
        #expect(context.sentUnauthenticated)
    }
}
