import CEtpan
import Foundation

/// The one place where libetpan return codes become Swift errors.
public struct EtpanError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// The connection broke or could not be made: worth retrying later.
        case connection
        /// The server refused the login.
        case authentication
        /// The server answered NO/BAD, or something we could not parse.
        case protocolError
        /// TLS could not be set up (handshake).
        case tls
        /// The TLS handshake worked but the server's certificate is not trusted (CA, name, dates).
        case certificate
        /// The MIME/IMF parser gave up.
        case parse
        case other
    }

    public var kind: Kind
    public var code: Int32
    public var operation: String
    /// The server's last response text, when there was one.
    public var serverText: String?
    /// Set when the failure was the server's silence for this many seconds (`timeout_seconds`), not a broken link.
    public var timedOutAfter: Int?

    public init(kind: Kind, code: Int32, operation: String, serverText: String?, timedOutAfter: Int? = nil) {
        self.kind = kind
        self.code = code
        self.operation = operation
        self.serverText = serverText
        self.timedOutAfter = timedOutAfter
    }

    public var description: String {
        if let seconds = timedOutAfter {
            return "\(operation) timed out after \(seconds) s (no answer from the server)"
        }
        if kind == .certificate { return "\(operation) failed: \(serverText ?? "certificate not trusted")" }
        var s = "\(operation) failed (\(kind == .parse ? Self.imfName(code) : Self.name(code)))"
        if let t = serverText, !t.isEmpty { s += ": \(t)" }
        return s
    }

    /// True for failures a later retry may cure (server down, timeout, dropped connection).
    public var isTransient: Bool { kind == .connection || kind == .tls }

    /// True when the connection can no longer be used (its stream state is unknown).
    var breaksConnection: Bool { kind == .connection || kind == .tls || kind == .certificate }

    /// Throws unless `code` is one of libetpan's IMAP success codes.
    static func checkIMAP(_ code: Int32, _ operation: String, serverText: String? = nil) throws {
        if code == Int32(MAILIMAP_NO_ERROR) || code == Int32(MAILIMAP_NO_ERROR_AUTHENTICATED)
            || code == Int32(MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
        {
            return
        }
        throw EtpanError(kind: imapKind(code), code: code, operation: operation, serverText: serverText)
    }

    /// Throws unless `code` is MAILIMF_NO_ERROR (the IMF and MIME parsers share these codes).
    static func checkIMF(_ code: Int32, _ operation: String) throws {
        if code == Int32(MAILIMF_NO_ERROR) { return }
        throw EtpanError(kind: .parse, code: code, operation: operation, serverText: nil)
    }

    /// Like `checkIMAP`, with the server's last response text when the server did answer.
    static func checkIMAP(_ code: Int32, _ operation: String, session: UnsafeMutablePointer<mailimap>?) throws {
        do {
            try checkIMAP(code, operation)
        } catch var error as EtpanError {
            if !error.breaksConnection {
                error.serverText = responseText(session)
            }
            throw error
        }
    }

    /// The human-readable text of the server's last response (`* NO [TRYCREATE] …` → `[TRYCREATE] …` part).
    static func responseText(_ session: UnsafeMutablePointer<mailimap>?) -> String? {
        guard let text = session?.pointee.imap_response else { return nil }
        let s = String(cString: text)
        return s.isEmpty ? nil : s
    }

    /// The TLS handshake succeeded but the server's certificate is not to be trusted.
    static func certificate(_ reason: String, host: String) -> EtpanError {
        EtpanError(
            kind: .certificate, code: Int32(MAILIMAP_ERROR_SSL), operation: "TLS certificate verification for \(host)",
            serverText: reason)
    }

    /// A session that broke (or was logged out) earlier is not used again.
    static func disconnected(_ operation: String) -> EtpanError {
        EtpanError(
            kind: .connection, code: Int32(MAILIMAP_ERROR_STREAM), operation: operation,
            serverText: "the connection was closed earlier")
    }

    /// libetpan could not allocate a structure.
    static func outOfMemory(_ operation: String) -> EtpanError {
        EtpanError(kind: .other, code: Int32(MAILIMAP_ERROR_MEMORY), operation: operation, serverText: nil)
    }

    /// A wait on the connection failed at the system level (poll).
    static func system(_ operation: String, errno code: Int32) -> EtpanError {
        EtpanError(
            kind: .connection, code: Int32(MAILIMAP_ERROR_STREAM), operation: operation,
            serverText: String(cString: strerror(code)))
    }

    static func imapKind(_ code: Int32) -> Kind {
        switch Int(code) {
        case MAILIMAP_ERROR_STREAM, MAILIMAP_ERROR_CONNECTION_REFUSED,
            MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION, MAILIMAP_ERROR_FATAL:
            return .connection
        case MAILIMAP_ERROR_LOGIN, MAILIMAP_ERROR_SASL:
            return .authentication
        case MAILIMAP_ERROR_SSL, MAILIMAP_ERROR_STARTTLS:
            return .tls
        case MAILIMAP_ERROR_PARSE, MAILIMAP_ERROR_PROTOCOL:
            return .protocolError
        case MAILIMAP_ERROR_MEMORY, MAILIMAP_ERROR_INVAL:
            return .other
        default:
            return .protocolError
        }
    }

    /// Names for the IMF/MIME parser codes, which overlap the IMAP ones numerically.
    static func imfName(_ code: Int32) -> String {
        switch Int(code) {
        case MAILIMF_ERROR_PARSE: return "parse error"
        case MAILIMF_ERROR_MEMORY: return "out of memory"
        case MAILIMF_ERROR_INVAL: return "invalid input"
        case MAILIMF_ERROR_FILE: return "file error"
        default: return "libetpan error \(code)"
        }
    }

    static func name(_ code: Int32) -> String {
        switch Int(code) {
        case MAILIMAP_ERROR_STREAM: return "connection lost"
        case MAILIMAP_ERROR_CONNECTION_REFUSED: return "connection refused"
        case MAILIMAP_ERROR_LOGIN: return "login refused"
        case MAILIMAP_ERROR_SSL: return "TLS error"
        case MAILIMAP_ERROR_STARTTLS: return "STARTTLS failed"
        case MAILIMAP_ERROR_PARSE: return "unparsable server response"
        case MAILIMAP_ERROR_PROTOCOL: return "protocol error"
        case MAILIMAP_ERROR_FATAL: return "server closed the session"
        case MAILIMAP_ERROR_BAD_STATE: return "command not allowed in this state"
        case MAILIMAP_ERROR_MEMORY: return "out of memory"
        case MAILIMAP_ERROR_APPEND...MAILIMAP_ERROR_UNSUBSCRIBE, MAILIMAP_ERROR_EXTENSION:
            return "refused by the server"
        default: return "libetpan error \(code)"
        }
    }
}
