import Foundation
import Testing
import VigieCore

@Suite struct DeliveryStateMachineTests {
    typealias Instant = ManualClock.Instant
    typealias State = DeliveryState<Instant>

    /// No jitter so expected instants are exact: retries 300 s × 2^(attempt−1), reconnects 2 s × 2^failures.
    static let machine = DeliveryStateMachine(
        maxAttempts: 4, retry: Backoff(base: .seconds(300), cap: .seconds(3600), jitter: 0),
        reconnect: Backoff(base: .seconds(2), cap: .seconds(60), jitter: 0))
    static let now = Instant(offset: .seconds(1000))

    static func at(_ seconds: Double) -> Instant { now.advanced(by: .seconds(seconds)) }

    struct Case: Sendable, CustomTestStringConvertible {
        var event: DeliveryEvent
        var attempt: Int
        var connectionFailures = 0
        var state: State
        var actions: [ConnectionAction]
        var testDescription: String { "\(event) at attempt \(attempt)" }
    }

    @Test(arguments: [
        Case(event: .replied(code: 250, text: "250 2.0.0 Ok: queued"), attempt: 1, state: .sent, actions: [.keep]),
        Case(
            event: .replied(code: 251, text: "251 User not local; will forward"), attempt: 2, state: .sent,
            actions: [.keep]),
        Case(
            event: .replied(code: 451, text: "451 4.7.1 Greylisted"), attempt: 1,
            state: .deferred(until: at(300), attempt: 1), actions: [.keep]),
        Case(
            event: .replied(code: 452, text: "452 4.2.2 Mailbox full"), attempt: 3,
            state: .deferred(until: at(1200), attempt: 3), actions: [.keep]),
        Case(
            event: .replied(code: 421, text: "421 4.7.0 Too many connections"), attempt: 1,
            state: .deferred(until: at(300), attempt: 1), actions: [.reconnect(after: .seconds(2)), .slowDown]),
        Case(
            event: .replied(code: 421, text: "421 4.7.0 Try later"), attempt: 2, connectionFailures: 3,
            state: .deferred(until: at(600), attempt: 2), actions: [.reconnect(after: .seconds(16)), .slowDown]),
        Case(
            event: .replied(code: 550, text: "550 5.1.1 <x@example.org>: User unknown"), attempt: 1,
            state: .failed(reason: "550 5.1.1 <x@example.org>: User unknown"), actions: [.keep]),
        Case(
            event: .replied(code: 554, text: "5.7.1 Rejected as spam"), attempt: 2,
            state: .failed(reason: "554 5.7.1 Rejected as spam"), actions: [.keep]),
        Case(
            event: .timeout, attempt: 1, state: .deferred(until: at(300), attempt: 1),
            actions: [.reconnect(after: .seconds(2))]),
        Case(
            event: .connectionDropped, attempt: 2, connectionFailures: 1, state: .deferred(until: at(600), attempt: 2),
            actions: [.reconnect(after: .seconds(4))]),
        Case(
            event: .connectionDropped, attempt: 1, connectionFailures: 10, state: .deferred(until: at(300), attempt: 1),
            actions: [.reconnect(after: .seconds(60))]),
        Case(
            event: .replied(code: 354, text: "354 go ahead"), attempt: 1, state: .deferred(until: at(300), attempt: 1),
            actions: [.reconnect(after: .seconds(2))]),
        // Last attempt: temporary problems become final.
        Case(
            event: .replied(code: 451, text: "451 4.3.0 Try again"), attempt: 4,
            state: .failed(reason: "451 4.3.0 Try again (gave up after 4 attempts)"), actions: [.keep]),
        Case(
            event: .timeout, attempt: 4, state: .failed(reason: "timeout (gave up after 4 attempts)"),
            actions: [.reconnect(after: .seconds(2))]),
        Case(
            event: .replied(code: 421, text: "421 bye"), attempt: 4,
            state: .failed(reason: "421 bye (gave up after 4 attempts)"),
            actions: [.reconnect(after: .seconds(2)), .slowDown]),
        Case(event: .replied(code: 250, text: "250 ok"), attempt: 4, state: .sent, actions: [.keep]),
    ])
    func transitions(c: Case) throws {
        var random = SeededRandom(state: 1)
        let t = try #require(
            Self.machine.handle(
                c.event, in: State.sending(attempt: c.attempt), now: Self.now, connectionFailures: c.connectionFailures,
                random: &random))
        #expect(t.state == c.state)
        #expect(t.actions == c.actions)
    }

    @Test(arguments: [State.pending, .sent, .failed(reason: "x"), .deferred(until: now, attempt: 1)])
    func onlyASendingDeliveryTakesEvents(state: State) {
        var random = SeededRandom(state: 1)
        #expect(Self.machine.handle(.replied(code: 250, text: ""), in: state, now: Self.now, random: &random) == nil)
    }

    /// A delivery that keeps meeting 4xx is tried exactly `maxAttempts` times, with growing delays.
    @Test func greylistingUntilGivingUp() throws {
        let machine = DeliveryStateMachine(
            settings: {
                var s = DispatchSettings()
                s.maxAttempts = 5
                s.retryBaseSeconds = 60
                s.jitter = 0.2
                return s
            }())
        var random = SeededRandom(state: 42)
        var now = Instant(offset: .zero)
        var state = State.sending(attempt: 1)
        var tries = 0
        var delays: [Double] = []
        while case .sending = state {
            tries += 1
            let t = try #require(
                machine.handle(.replied(code: 450, text: "450 busy"), in: state, now: now, random: &random))
            state = t.state
            // A due retry is taken again with the next attempt number, as the store does.
            if case .deferred(let until, let made) = state {
                delays.append(now.duration(to: until).inSeconds)
                now = until
                state = .sending(attempt: made + 1)
            }
        }
        #expect(tries == 5)
        #expect(state == .failed(reason: "450 busy (gave up after 5 attempts)"))
        for (i, d) in delays.enumerated() {
            let nominal = 60 * pow(2, Double(i))
            #expect(d <= nominal && d >= nominal * 0.8)
        }
    }

    @Test(arguments: [
        (SMTPReply(code: 250, text: "250 ok"), DeliveryEvent.replied(code: 250, text: "250 ok")),
        (SMTPReply(code: 550, text: "550 no"), .replied(code: 550, text: "550 no")),
        (SMTPReply(code: 421, text: "421 later"), .replied(code: 421, text: "421 later")),
        (
            SMTPReply(code: 0, text: "Failure when receiving data", failure: .droppedDuringData, stage: .message),
            .connectionDropped
        ),
        (SMTPReply(code: 0, text: "Timeout was reached", failure: .timeoutDuringData, stage: .message), .timeout),
        (SMTPReply(code: 0, text: "empty", failure: .invalidRecipient), .invalidRecipient(reason: "empty")),
        (
            SMTPReply(code: 0, text: "Failure when receiving data", failure: .connection, stage: .rcptTo),
            .relayFault(RelayFault(failure: .connection, detail: "Failure when receiving data", stage: .rcptTo))
        ),
        (
            SMTPReply(code: 0, text: "Timeout was reached", failure: .timeout, stage: .connect),
            .relayFault(RelayFault(failure: .timeout, detail: "Timeout was reached", stage: .connect))
        ),
        (
            SMTPReply(code: 0, text: "SSL connect error", failure: .tls),
            .relayFault(RelayFault(failure: .tls, detail: "SSL connect error"))
        ),
        (
            SMTPReply(code: 535, text: "535 bad credentials", failure: .authentication, stage: .auth),
            .relayFault(RelayFault(failure: .authentication, code: 535, detail: "535 bad credentials", stage: .auth))
        ),
        (
            SMTPReply(code: 553, text: "553 sender rejected", failure: .rejected, stage: .mailFrom),
            .relayFault(RelayFault(failure: .rejected, code: 553, detail: "553 sender rejected", stage: .mailFrom))
        ),
        (
            SMTPReply(code: 0, text: "weird", failure: .protocolError),
            .relayFault(RelayFault(failure: .protocolError, detail: "weird"))
        ),
        // A reply with no code and no failure is nobody's verdict: never the recipient's.
        (SMTPReply(code: 0, text: "nothing"), .relayFault(RelayFault(failure: .protocolError, detail: "nothing"))),
    ])
    func eventsFromTransportReplies(reply: SMTPReply, event: DeliveryEvent) {
        #expect(DeliveryEvent(reply: reply) == event)
    }
}

/// Relay faults: the delivery goes back untouched; the connection reconnects, retires after the bound, or the run
/// stops at once when the fault cannot clear.
@Suite struct RelayFaultTests {
    typealias Instant = ManualClock.Instant
    static let machine = DeliveryStateMachine(
        maxAttempts: 4, retry: Backoff(base: .seconds(300), cap: .seconds(3600), jitter: 0),
        reconnect: Backoff(base: .seconds(2), cap: .seconds(60), jitter: 0), maxRelayFaults: 3)
    static let now = Instant(offset: .seconds(1000))

    struct Case: Sendable, CustomTestStringConvertible {
        var fault: RelayFault
        var failures: Int
        var actions: [ConnectionAction]
        var testDescription: String { "\(fault.failure) \(fault.code) after \(failures)" }
    }

    static let refused = RelayFault(failure: .connection, detail: "Couldn't connect", stage: .connect)
    static let greylist = RelayFault(failure: .rejected, code: 451, detail: "451 later", stage: .mailFrom)
    static let credentials = RelayFault(failure: .authentication, code: 535, detail: "535 no", stage: .auth)

    @Test(arguments: [
        Case(fault: refused, failures: 0, actions: [.reconnect(after: .seconds(2))]),
        Case(fault: refused, failures: 1, actions: [.reconnect(after: .seconds(4))]),
        Case(fault: refused, failures: 2, actions: [.retire(refused)]),
        Case(fault: greylist, failures: 0, actions: [.reconnect(after: .seconds(2))]),
        Case(fault: greylist, failures: 5, actions: [.retire(greylist)]),
        Case(fault: credentials, failures: 0, actions: [.stopRun(credentials)]),
        Case(
            fault: RelayFault(failure: .untrustedCertificate, detail: "x"), failures: 0,
            actions: [.stopRun(RelayFault(failure: .untrustedCertificate, detail: "x"))]),
        Case(
            fault: RelayFault(failure: .rejected, code: 553, detail: "553 no", stage: .mailFrom), failures: 0,
            actions: [.stopRun(RelayFault(failure: .rejected, code: 553, detail: "553 no", stage: .mailFrom))]),
        Case(
            fault: RelayFault(failure: .configuration, detail: "No host part"), failures: 0,
            actions: [.stopRun(RelayFault(failure: .configuration, detail: "No host part"))]),
    ])
    func relayFaultLeavesTheDeliveryAlone(c: Case) throws {
        for attempt in [1, 4] {
            var random = SeededRandom(state: 1)
            let t = try #require(
                Self.machine.handle(
                    .relayFault(c.fault), in: DeliveryState<Instant>.sending(attempt: attempt), now: Self.now,
                    connectionFailures: c.failures, random: &random))
            // Never failed nor deferred, even on the last attempt: the attempt does not count.
            #expect(t.state == .pending)
            #expect(t.actions == c.actions)
        }
    }

    @Test func invalidRecipientFailsAtOnce() throws {
        var random = SeededRandom(state: 1)
        let t = try #require(
            Self.machine.handle(
                .invalidRecipient(reason: "empty recipient address (not sent)"),
                in: DeliveryState<Instant>.sending(attempt: 1), now: Self.now, random: &random))
        #expect(t.state == .failed(reason: "empty recipient address (not sent)"))
        #expect(t.actions == [.keep])
    }

    struct CauseCase: Sendable, CustomTestStringConvertible {
        var fault: RelayFault
        var transient: Bool
        var cause: String
        var testDescription: String { "\(fault.failure)" }
    }

    /// Operator words first, the relay's own words after, on one line.
    @Test(arguments: [
        CauseCase(
            fault: RelayFault(failure: .untrustedCertificate, detail: "SSL peer certificate was not OK"),
            transient: false,
            cause: "untrusted certificate — set ca_file or fix the relay's certificate (SSL peer certificate "
                + "was not OK)"),
        CauseCase(
            fault: RelayFault(
                failure: .authentication, code: 535,
                detail: "535-5.7.8 Username and Password not accepted.\n535 5.7.8 Learn more"),
            transient: false,
            cause: "credentials refused (535) — check user and password (535-5.7.8 Username and Password not "
                + "accepted. / 535 5.7.8 Learn more)"),
        CauseCase(
            fault: RelayFault(failure: .starttlsUnavailable, detail: ""), transient: false,
            cause: "the relay does not offer STARTTLS (starttls = true) — check the port, or use smtps://"),
        CauseCase(
            fault: RelayFault(failure: .connection, detail: "Couldn't connect to server (curl 7)", stage: .connect),
            transient: true,
            cause: "connection refused or unreachable — is the relay up, and is this its port? (Couldn't "
                + "connect to server (curl 7))"),
        CauseCase(
            fault: RelayFault(failure: .rejected, code: 421, detail: "421 busy\u{1b}[2J", stage: .greeting),
            transient: true, cause: "the relay refused the session at its greeting (421 busy[2J)"),
        CauseCase(
            fault: RelayFault(failure: .resolve, detail: "Could not resolve host: relay.invalid"),
            transient: true,
            cause: "cannot resolve the relay's host name — check smtp_url and DNS (Could not resolve host: "
                + "relay.invalid)"),
    ])
    func causesAreOneLineForOperators(c: CauseCase) {
        #expect(c.fault.isTransient == c.transient)
        #expect(c.fault.cause == c.cause)
        #expect(!c.fault.cause.contains("\n"))
    }

    @Test(arguments: [
        ("smtp://relay.example.org:587", "relay.example.org:587"),
        ("smtps://relay.example.org", "relay.example.org:465"),
        ("smtp://relay.example.org", "relay.example.org:25"),
        ("smtp://vigie:s3cret@relay.example.org:587", "relay.example.org:587"),
        ("smtp://[::1]:2525", "[::1]:2525"),
        ("smtp://", "\"smtp://\""),
        ("smtp://user:pa@ss@:587", "\"smtp://:587\""),
    ])
    func relayNameNeverShowsCredentials(url: String, name: String) {
        #expect(SMTPEndpoint(url: url).relayName == name)
    }
}

@Suite struct DispatchSettingsTests {
    /// The defaults a queue file that leaves a key out gets (QueueKeys takes them from here): the ones the README
    /// and the shipped `queues/newsletter.toml` state, where the old sources disagreed (4 vs 2 connections, 60 vs 300 s).
    @Test func defaultsAreTheDocumentedOnes() {
        let d = DispatchSettings()
        #expect(d.ratePerSecond == 0)
        #expect(d.connections == 4)
        #expect(d.maxAttempts == 5)
        #expect(d.retryBaseSeconds == 60)
        #expect(d.retryMaxSeconds == 21_600)
        #expect(d.jitter == 0.2)
        #expect(d.problems.isEmpty)
    }

    @Test func invalidValuesAreReported() {
        var s = DispatchSettings()
        s.ratePerSecond = -1
        s.maxAttempts = 0
        s.connections = 0
        s.jitter = 2
        #expect(s.problems.count == 4)
    }
}
