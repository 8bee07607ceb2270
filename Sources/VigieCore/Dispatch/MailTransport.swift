import Foundation

/// One SMTP connection that sends messages one at a time; the dispatcher drives one per configured connection.
public protocol MailTransport: AnyObject, Sendable {
    /// Sends `message` (exact bytes, CRLF) from the envelope sender to one recipient and returns the outcome.
    /// Blocking: call it from a thread of its own.
    func send(from envelopeFrom: String, to recipient: String, message: [UInt8]) -> SMTPReply
}
