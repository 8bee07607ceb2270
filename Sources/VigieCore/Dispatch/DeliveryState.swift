import Foundation

/// Where one delivery (edition × subscriber) stands.
public enum DeliveryState<Instant: InstantProtocol & Sendable>: Sendable, Hashable where Instant.Duration == Duration {
    case pending
    /// `attempt` counts tries, this one included (1 for the first).
    case sending(attempt: Int)
    /// Accepted by the relay (250); final.
    case sent
    /// To be tried again from `until`; `attempt` tries made so far.
    case deferred(until: Instant, attempt: Int)
    /// Given up; the reason keeps the server's reply. Final.
    case failed(reason: String)
}

/// What the transport reported for a delivery in `.sending`.
public enum DeliveryEvent: Sendable, Hashable {
    /// The relay's verdict on this recipient (RCPT TO, DATA, end of data).
    case replied(code: Int, text: String)
    /// No final reply after the message was handed over: it may have been taken.
    case timeout
    /// The connection broke after the message was handed over: it may have been taken.
    case connectionDropped
    /// The relay or its settings failed before the recipient was named: the delivery is not at fault.
    case relayFault(RelayFault)
    /// The address cannot be put in an envelope; nothing was sent.
    case invalidRecipient(reason: String)

    /// Maps a transport outcome to an event: only a recipient-level reply or an interrupted message concerns the
    /// delivery; every fault of the session becomes `.relayFault`.
    public init(reply: SMTPReply) {
        switch reply.failure {
        case .timeoutDuringData?: self = .timeout
        case .droppedDuringData?: self = .connectionDropped
        case .invalidRecipient?: self = .invalidRecipient(reason: reply.text)
        case nil where reply.code > 0: self = .replied(code: reply.code, text: reply.text)
        default:
            self = .relayFault(
                RelayFault(reply: reply)
                    ?? RelayFault(failure: .protocolError, code: reply.code, detail: reply.text, stage: reply.stage))
        }
    }
}

/// What the connection that carried the delivery should do next.
public enum ConnectionAction: Sendable, Hashable {
    /// Go on with the next message on the same connection.
    case keep
    /// Drop the connection and open a new one after this delay.
    case reconnect(after: Duration)
    /// Lower the sending rate (the relay pushed back with 421).
    case slowDown
    /// This connection gives up on a relay that kept failing; the others go on.
    case retire(RelayFault)
    /// The relay cannot work as configured (certificate, credentials, settings): the whole run stops.
    case stopRun(RelayFault)
}
