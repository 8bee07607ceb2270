import Foundation

/// What became of one SMTP transaction: the server's last reply, or why there was none.
///
/// Two kinds of outcome must never be confused: a reply about *this recipient* (to RCPT TO, to DATA, or at the end
/// of the data) decides the delivery; a fault of the *session* (connection, TLS, AUTH, a refusal of EHLO or MAIL
/// FROM, our own settings) says nothing about the recipient and must leave the delivery untouched.
public struct SMTPReply: Sendable, Hashable, Codable {
    /// How far the transaction got: the command whose reply was awaited when it ended.
    public enum Stage: String, Sendable, Hashable, Codable, CaseIterable {
        /// Opening the connection (TCP, implicit TLS), before the greeting.
        case connect
        /// Greeting received, nothing sent yet.
        case greeting
        /// EHLO (or its HELO fallback).
        case ehlo
        /// STARTTLS and the handshake that follows it.
        case starttls
        /// AUTH and its continuation lines.
        case auth
        case mailFrom
        case rcptTo
        /// The DATA command, before the server's 354.
        case data
        /// After 354: the message is on the wire or its final reply is awaited; the relay may have taken it.
        case message
    }

    /// Why a transaction ended without a verdict on the recipient.
    public enum Failure: String, Sendable, Hashable, Codable, CaseIterable {
        // Faults of the session: the relay or our settings, never the recipient.
        /// The relay's URL or a transport option is unusable (`smtp://`, port 99999, unreadable ca_file).
        case configuration
        /// The relay's host name does not resolve.
        case resolve
        /// Could not connect, or the connection broke before the message was handed over.
        case connection
        /// No answer in time before the message was handed over.
        case timeout
        /// The TLS handshake failed.
        case tls
        /// The relay's certificate is not trusted (unknown CA, self-signed, wrong name).
        case untrustedCertificate
        /// STARTTLS is required but the relay does not offer it (or refuses it).
        case starttlsUnavailable
        /// Credentials are configured but the relay offers no AUTH we can use.
        case authUnavailable
        /// The relay refused our credentials (535).
        case authentication
        /// The relay refused the session: a 4xx/5xx to the greeting, EHLO or MAIL FROM.
        case rejected
        /// The server said something we could not understand.
        case protocolError
        // Unknown outcome for this message: it was handed over, so it may have been taken.
        /// No final reply in time after the message was sent.
        case timeoutDuringData
        /// The connection broke while the message was sent or its final reply awaited.
        case droppedDuringData
        // The recipient itself.
        /// The recipient's address cannot be put in an envelope; nothing was sent.
        case invalidRecipient

        /// True when the relay or the settings are at fault, not the recipient nor the message.
        public var isSessionFault: Bool {
            switch self {
            case .timeoutDuringData, .droppedDuringData, .invalidRecipient: return false
            default: return true
            }
        }
    }

    /// The final reply code (250, 451, 550 …); 0 when the server gave none.
    public var code: Int
    /// The server's reply lines (joined by newlines), or a description of the local error.
    public var text: String
    /// Set when the transaction failed for a reason other than the server's verdict on this recipient.
    public var failure: Failure?
    /// How far the transaction got; nil when unknown (doubles, old records).
    public var stage: Stage?

    public init(code: Int, text: String, failure: Failure? = nil, stage: Stage? = nil) {
        self.code = code
        self.text = text
        self.failure = failure
        self.stage = stage
    }

    /// The message was accepted (only then may a delivery be marked sent).
    public var isAccepted: Bool { failure == nil && (200..<300).contains(code) }

    /// The relay or the settings are at fault: the delivery must be left as it was.
    public var isSessionFault: Bool { failure?.isSessionFault ?? (code == 0) }

    /// The connection is gone or never came up: nothing is known about this message.
    public var isConnectionFailure: Bool {
        switch failure {
        case .connection?, .timeout?, .resolve?, .timeoutDuringData?, .droppedDuringData?: return true
        default: return code == 0
        }
    }
}
