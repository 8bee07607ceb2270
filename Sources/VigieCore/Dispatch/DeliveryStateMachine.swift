import Foundation

/// Decides the fate of a delivery from what the relay answered, and what its connection should do next.
///
/// At-least-once: a timeout or a dropped connection after the message was handed over leaves it unknown whether
/// the relay took it; the delivery is deferred (so it may be sent twice) rather than marked sent (which could lose
/// it). A fault of the relay before that point (connection, TLS, AUTH, EHLO, MAIL FROM) is not the recipient's: the
/// delivery goes back untouched, and the connection reconnects or gives up.
public struct DeliveryStateMachine: Sendable, Hashable {
    public var maxAttempts: Int
    public var retry: Backoff
    public var reconnect: Backoff
    /// Consecutive relay faults one connection rides out (reconnecting with `reconnect`) before it gives up.
    public var maxRelayFaults: Int

    public init(
        maxAttempts: Int, retry: Backoff, reconnect: Backoff,
        maxRelayFaults: Int = DispatchSettings.defaultMaxRelayFaults
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.retry = retry
        self.reconnect = reconnect
        self.maxRelayFaults = max(1, maxRelayFaults)
    }

    /// The machine for a queue's settings.
    public init(settings: DispatchSettings) {
        self.init(
            maxAttempts: settings.maxAttempts, retry: settings.retryBackoff, reconnect: settings.reconnectBackoff,
            maxRelayFaults: settings.maxRelayFaults)
    }

    /// The new state and connection actions after `event`, for a delivery that was taken for its next try.
    public struct Transition<Instant: InstantProtocol & Sendable>: Sendable, Hashable
    where Instant.Duration == Duration {
        public var state: DeliveryState<Instant>
        public var actions: [ConnectionAction]
    }

    /// Applies `event` to a delivery in `.sending(attempt:)`; nil for any other state.
    ///
    /// - 2xx → sent. 5xx → failed with the reply. 4xx → deferred by `retry` (base × 2^(attempt−1), jittered),
    ///   failed once `maxAttempts` tries are spent. 421 also drops the connection and slows down.
    /// - timeout, dropped connection, or a reply that is not 2xx/4xx/5xx → deferred like a 4xx, and reconnect.
    /// - relay fault → `.pending` (the delivery goes back as it was taken, attempts unchanged) and reconnect; the
    ///   connection retires after `maxRelayFaults` in a row, and a fault that will not clear (certificate,
    ///   credentials, settings, 5xx to EHLO/MAIL FROM) stops the run at once.
    /// - `connectionFailures`: consecutive failures of this connection before this one, for the reconnect delay.
    public func handle<Instant, R: RandomNumberGenerator>(
        _ event: DeliveryEvent, in state: DeliveryState<Instant>, now: Instant, connectionFailures: Int = 0,
        random: inout R
    ) -> Transition<Instant>? {
        guard case .sending(let attempt) = state else { return nil }
        let reconnectAction = ConnectionAction.reconnect(
            after: reconnect.delay(attempt: connectionFailures, using: &random))
        switch event {
        case .replied(let code, let text) where (200..<300).contains(code):
            _ = text
            return Transition(state: .sent, actions: [.keep])
        case .replied(let code, let text) where (500..<600).contains(code):
            return Transition(state: .failed(reason: Self.describe(code, text)), actions: [.keep])
        case .replied(421, let text):
            return Transition(
                state: retryOrFail(attempt: attempt, reason: Self.describe(421, text), now: now, random: &random),
                actions: [reconnectAction, .slowDown])
        case .replied(let code, let text) where (400..<500).contains(code):
            return Transition(
                state: retryOrFail(attempt: attempt, reason: Self.describe(code, text), now: now, random: &random),
                actions: [.keep])
        case .replied(let code, let text):
            let reason = "unexpected reply " + Self.describe(code, text)
            return Transition(
                state: retryOrFail(attempt: attempt, reason: reason, now: now, random: &random),
                actions: [reconnectAction])
        case .timeout:
            return Transition(
                state: retryOrFail(attempt: attempt, reason: "timeout", now: now, random: &random),
                actions: [reconnectAction])
        case .connectionDropped:
            return Transition(
                state: retryOrFail(attempt: attempt, reason: "connection dropped", now: now, random: &random),
                actions: [reconnectAction])
        case .relayFault(let fault) where !fault.isTransient:
            return Transition(state: .pending, actions: [.stopRun(fault)])
        case .relayFault(let fault) where connectionFailures + 1 >= maxRelayFaults:
            return Transition(state: .pending, actions: [.retire(fault)])
        case .relayFault:
            return Transition(state: .pending, actions: [reconnectAction])
        case .invalidRecipient(let reason):
            return Transition(state: .failed(reason: reason), actions: [.keep])
        }
    }

    private func retryOrFail<Instant, R: RandomNumberGenerator>(
        attempt: Int, reason: String, now: Instant, random: inout R
    ) -> DeliveryState<Instant> {
        if attempt >= maxAttempts {
            return .failed(reason: "\(reason) (gave up after \(attempt) attempts)")
        }
        let delay = retry.delay(attempt: attempt - 1, using: &random)
        return .deferred(until: now.advanced(by: delay), attempt: attempt)
    }

    static func describe(_ code: Int, _ text: String) -> String {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.isEmpty { return String(code) }
        // Keep the text as the server wrote it, code included once.
        return t.hasPrefix(String(code)) ? t : "\(code) \(t)"
    }
}
