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
    case replied(code: Int, text: String)
    case timeout
    case connectionDropped

    /// Maps a transport outcome to an event. Session-level failures (authentication, TLS) become
    /// `.connectionDropped`: the message is not at fault, so it must be deferred, never failed.
    public init(reply: SMTPReply) {
        switch reply.failure {
        case .timeout?: self = .timeout
        case .connection?, .tls?, .authentication?: self = .connectionDropped
        case .protocolError?, nil:
            self = reply.code == 0 ? .connectionDropped : .replied(code: reply.code, text: reply.text)
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
}
