import Foundation

/// What became of one SMTP transaction: the server's last reply, or why there was none.
public struct SMTPReply: Sendable, Hashable, Codable {
    /// Why a transaction ended without a usable reply (or with one that concerns the session, not the message).
    public enum Failure: String, Sendable, Hashable, Codable {
        /// Could not connect, or the connection broke mid-transaction.
        case connection
        /// No answer in time.
        case timeout
        /// TLS handshake or certificate failure.
        case tls
        /// The relay refused our credentials: our fault, not the recipient's.
        case authentication
        /// The server said something we could not understand.
        case protocolError
    }

    /// The final reply code (250, 451, 550 …); 0 when the server gave none.
    public var code: Int
    /// The server's reply lines (joined by newlines), or a description of the local error.
    public var text: String
    /// Set when the transaction failed for a reason other than the server's verdict on this message.
    public var failure: Failure?

    public init(code: Int, text: String, failure: Failure? = nil) {
        self.code = code
        self.text = text
        self.failure = failure
    }

    /// The message was accepted (only then may a delivery be marked sent).
    public var isAccepted: Bool { failure == nil && (200..<300).contains(code) }

    /// The connection is gone or never came up: nothing is known about this message.
    public var isConnectionFailure: Bool { failure == .connection || failure == .timeout || code == 0 }
}
