import Foundation

/// A fault of the relay or of our settings for it: it stops or slows the run and never touches a delivery.
public struct RelayFault: Sendable, Hashable, Error {
    /// What kind of fault (always a session fault).
    public var failure: SMTPReply.Failure
    /// The relay's reply code, 0 when it gave none.
    public var code: Int
    /// The relay's reply lines or the local error, as reported.
    public var detail: String
    /// How far the session got.
    public var stage: SMTPReply.Stage?

    /// The fault carried by `reply`; nil when the reply concerns the recipient or the message.
    public init?(reply: SMTPReply) {
        guard reply.isSessionFault else { return nil }
        self.init(failure: reply.failure ?? .protocolError, code: reply.code, detail: reply.text, stage: reply.stage)
    }

    public init(failure: SMTPReply.Failure, code: Int = 0, detail: String, stage: SMTPReply.Stage? = nil) {
        self.failure = failure
        self.code = code
        self.detail = detail
        self.stage = stage
    }

    /// Worth reconnecting: it may clear by itself (refused, timeout, 4xx). Settings, certificates, credentials and
    /// 5xx refusals will not, so the run stops at once.
    public var isTransient: Bool {
        switch failure {
        case .configuration, .untrustedCertificate, .starttlsUnavailable, .authUnavailable, .authentication:
            return false
        case .rejected:
            return !(500..<600).contains(code)
        default:
            return true
        }
    }

    /// The cause in an operator's words, what to do, and the relay's own words: one line.
    public var cause: String {
        let words: String
        switch failure {
        case .configuration:
            words = "unusable relay settings — fix smtp_url (smtp://host:port or smtps://host:port) or ca_file"
        case .resolve:
            words = "cannot resolve the relay's host name — check smtp_url and DNS"
        case .connection where stage == nil || stage == .connect:
            words = "connection refused or unreachable — is the relay up, and is this its port?"
        case .connection:
            words = "the relay closed the connection\(Self.at(stage))"
        case .timeout:
            words = "no answer from the relay in time\(Self.at(stage)) — is the relay up, and is this its port?"
        case .tls:
            words = "TLS handshake failed — check smtps:// (implicit TLS, port 465) versus starttls (port 587)"
        case .untrustedCertificate:
            words = "untrusted certificate — set ca_file or fix the relay's certificate"
        case .starttlsUnavailable:
            words = "the relay does not offer STARTTLS (starttls = true) — check the port, or use smtps://"
        case .authUnavailable:
            words = "the relay offers no AUTH but a user is configured — check the port (submission is 587) and TLS"
        case .authentication:
            words = "credentials refused\(code > 0 ? " (\(code))" : "") — check user and password"
        case .rejected:
            words = "the relay refused the session\(Self.at(stage))"
        case .protocolError:
            words = "unexpected answer from the relay\(Self.at(stage))"
        case .timeoutDuringData, .droppedDuringData, .invalidRecipient:
            words = "the message was interrupted"
        }
        let said = Self.oneLine(detail)
        return said.isEmpty ? words : "\(words) (\(said))"
    }

    static func at(_ stage: SMTPReply.Stage?) -> String {
        switch stage {
        case .connect?: return " before its greeting"
        case .greeting?: return " at its greeting"
        case .ehlo?: return " at EHLO"
        case .starttls?: return " at STARTTLS"
        case .auth?: return " at AUTH"
        case .mailFrom?: return " at MAIL FROM"
        case .rcptTo?: return " at RCPT TO"
        case .data?: return " at DATA"
        case .message?: return " after the message"
        case nil: return ""
        }
    }

    /// Joins lines and drops control characters: a relay's multi-line reply must not break the one-line error.
    static func oneLine(_ text: String) -> String {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let joined = lines.filter { !$0.isEmpty }.joined(separator: " / ")
        let clean = String(
            String.UnicodeScalarView(
                joined.unicodeScalars.filter {
                    !($0.properties.generalCategory == .control || $0.properties.generalCategory == .format)
                }))
        return clean.count > 300 ? String(clean.prefix(300)) + "…" : clean
    }
}
