import CCurl
import Foundation
import Synchronization
import VigieCore

/// One SMTP connection through a libcurl easy handle, kept open from one message to the next.
///
/// libcurl keeps the connection in the handle's cache (`CURLOPT_MAXCONNECTS` 1) and reuses it for the next
/// transfer, so consecutive sends go MAIL FROM → RCPT TO → DATA on the same session. A failed transaction makes
/// libcurl close the connection; the next send opens a new one. Calls are serialised; run it on its own thread.
/// `CURLOPT_MAIL_RCPT_ALLOWFAILS` is not needed: with one recipient, a refused RCPT TO ends the transfer and its
/// reply (code and text) is what `send` returns.
///
/// The debug callback follows the dialogue (which command each reply answers), so that a refusal of the session
/// (greeting, EHLO, STARTTLS, AUTH, MAIL FROM) is never reported as a verdict on the recipient (`SMTPOutcome`).
/// With credentials configured, a message is never handed over on a connection that did not authenticate: libcurl
/// would silently skip AUTH when the relay does not offer it.
///
/// `@unchecked Sendable` only for the C handle and its error buffer (pointers): they are touched in `init`, `deinit`
/// and inside `connection`'s lock, never elsewhere; every mutable Swift value lives in that lock.
public final class CurlSMTPTransport: MailTransport, @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    public let settings: SMTPEndpoint
    /// After this many messages the next one goes over a fresh connection; 0 = no limit.
    public let maxMessagesPerConnection: Int
    /// What one send leaves for the next; taking the lock also serialises the calls on the handle.
    private struct Connection {
        var messagesOnConnection = 0
        var opened = 0
        /// Whether the cached connection completed AUTH (carried from one transfer to the next).
        var authenticated = false
        /// Set when the handle could not be configured; every send then reports it.
        var setupProblem: String?
    }

    private let connection: Mutex<Connection>

    /// Connections opened so far (reconnections included).
    public var connectionsOpened: Int { connection.withLock { $0.opened } }

    /// Configures the handle; nothing is sent until the first `send`.
    public init(settings: SMTPEndpoint, maxMessagesPerConnection: Int = 0) {
        // libcurl is initialised once per process (CurlError.globalInit), before any handle exists.
        _ = CurlError.globalInit
        self.settings = settings
        self.maxMessagesPerConnection = max(0, maxMessagesPerConnection)
        self.handle = curl_easy_init()
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        self.connection = Mutex(Connection())
        let problem = configure()
        connection.withLock { $0.setupProblem = problem }
    }

    deinit {
        // libcurl would close the cached connection with QUIT and wait for its reply as long as the configured
        // timeout (its closure handle keeps the transfer's timeouts): a relay that does not answer QUIT kept the
        // process idle that long after its last message. Say QUIT ourselves, wait 1 s at most, then close.
        closeCachedConnection()
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// The options that hold for every message on this handle.
    private func configure() -> String? {
        var url = settings.url
        if let helo = settings.heloName, !helo.isEmpty {
            // libcurl takes the EHLO name from the URL path.
            while url.hasSuffix("/") { url.removeLast() }
            url += "/" + helo
        }
        let timeoutMs = max(1, Int(settings.timeoutSeconds * 1000))
        var problems: [String?] = [
            CurlError.setupProblem(ccurl_setopt_string(handle, CURLOPT_URL, url), "URL"),
            // Only SMTP: an http:// or gopher:// smtp_url must be refused, not turned into an upload elsewhere.
            CurlError.setupProblem(ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"), "PROTOCOLS_STR"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1), "UPLOAD"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_MAXCONNECTS, 1), "MAXCONNECTS"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, timeoutMs), "CONNECTTIMEOUT"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMs), "TIMEOUT"),
            CurlError.setupProblem(
                ccurl_setopt_long(handle, CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, Int(settings.timeoutSeconds))),
                "SERVER_RESPONSE_TIMEOUT"),
            CurlError.setupProblem(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER"),
            CurlError.setupProblem(
                ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, settings.verifyCertificates ? 1 : 0),
                "SSL_VERIFYPEER"),
            CurlError.setupProblem(
                ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, settings.verifyCertificates ? 2 : 0),
                "SSL_VERIFYHOST"),
            // The debug callback is how the server's reply lines are captured; it only runs in verbose mode.
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_VERBOSE, 1), "VERBOSE"),
            CurlError.setupProblem(ccurl_setopt_debug_callback(handle, smtpDebugCallback), "DEBUGFUNCTION"),
            CurlError.setupProblem(ccurl_setopt_read_callback(handle, smtpReadCallback), "READFUNCTION"),
            CurlError.setupProblem(ccurl_setopt_sockopt_callback(handle, smtpSocketCallback), "SOCKOPTFUNCTION"),
        ]
        if settings.starttls {
            problems.append(
                CurlError.setupProblem(
                    ccurl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)), "USE_SSL"))
        }
        if let caFile = settings.caFile {
            problems.append(CurlError.setupProblem(ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile), "CAINFO"))
        }
        if let user = settings.user {
            problems.append(CurlError.setupProblem(ccurl_setopt_string(handle, CURLOPT_USERNAME, user), "USERNAME"))
            problems.append(
                CurlError.setupProblem(
                    ccurl_setopt_string(handle, CURLOPT_PASSWORD, settings.password ?? ""), "PASSWORD"))
            if let mechanism = settings.authMechanism {
                problems.append(
                    CurlError.setupProblem(
                        ccurl_setopt_string(handle, CURLOPT_LOGIN_OPTIONS, "AUTH=" + mechanism.rawValue),
                        "LOGIN_OPTIONS"))
            }
        }
        let found = problems.compactMap { $0 }
        return found.isEmpty ? nil : found.joined(separator: "; ")
    }

    /// Sends one message to one recipient and returns the server's final reply.
    ///
    /// A reply about the recipient (RCPT TO, DATA, end of data) comes back with the server's code and text and no
    /// `failure`. Anything else sets `failure`: a session fault (connection, TLS, AUTH, a refused EHLO or MAIL FROM,
    /// a timeout before the message) or an interrupted message (`.timeoutDuringData`, `.droppedDuringData`).
    public func send(from envelopeFrom: String, to recipient: String, message: [UInt8]) -> SMTPReply {
        connection.withLock { sendLocked(from: envelopeFrom, to: recipient, message: message, on: &$0) }
    }

    private func sendLocked(
        from envelopeFrom: String, to recipient: String, message: [UInt8],
        on connection: inout Connection
    ) -> SMTPReply {
        if let setupProblem = connection.setupProblem {
            return SMTPReply(code: 0, text: setupProblem, failure: .configuration, stage: .connect)
        }
        let from = HeaderEncoding.sanitizeAddress(envelopeFrom)
        let to = HeaderEncoding.sanitizeAddress(recipient)
        guard !to.isEmpty else {
            return SMTPReply(code: 0, text: "empty recipient address (not sent)", failure: .invalidRecipient)
        }
        let context = TransferContext(
            message: message, requireAuthentication: settings.user != nil, authenticated: connection.authenticated)
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        guard let recipients = curl_slist_append(nil, "<\(to)>") else {
            return SMTPReply(code: 0, text: "out of memory", failure: .protocolError)
        }
        defer { curl_slist_free_all(recipients) }

        let fresh = maxMessagesPerConnection > 0 && connection.messagesOnConnection >= maxMessagesPerConnection
        errorBuffer[0] = 0
        let setup = [
            CurlError.setupProblem(ccurl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(from)>"), "MAIL_FROM"),
            CurlError.setupProblem(ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients), "MAIL_RCPT"),
            CurlError.setupProblem(ccurl_setopt_pointer(handle, CURLOPT_READDATA, contextPointer), "READDATA"),
            CurlError.setupProblem(ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, contextPointer), "DEBUGDATA"),
            CurlError.setupProblem(ccurl_setopt_pointer(handle, CURLOPT_SOCKOPTDATA, contextPointer), "SOCKOPTDATA"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_INFILESIZE_LARGE, message.count), "INFILESIZE"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_FRESH_CONNECT, fresh ? 1 : 0), "FRESH_CONNECT"),
        ].compactMap { $0 }
        if !setup.isEmpty {
            return SMTPReply(code: 0, text: setup.joined(separator: "; "), failure: .configuration, stage: .connect)
        }

        let result = withExtendedLifetime(context) { curl_easy_perform(handle) }
        // The slist dies with this call: make sure the handle no longer points at it or at the context.
        _ = ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, nil)
        _ = ccurl_setopt_pointer(handle, CURLOPT_READDATA, nil)
        _ = ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, nil)
        _ = ccurl_setopt_pointer(handle, CURLOPT_SOCKOPTDATA, nil)
        connection.authenticated = result == CURLE_OK && context.authenticated
        if result != CURLE_OK { abandonConnection() }

        var newConnections = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &newConnections)
        var responseCode = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &responseCode)
        connection.opened += newConnections
        connection.messagesOnConnection = newConnections > 0 ? 1 : connection.messagesOnConnection + 1

        return SMTPOutcome.classify(
            SMTPOutcome.Observed(
                kind: result == CURLE_OK ? nil : CurlError.kind(result),
                errorText: result == CURLE_OK ? "" : CurlError.describe(result, errorBuffer: errorBuffer),
                responseCode: responseCode, replies: context.replies, stage: context.stage,
                sentUnauthenticated: context.sentUnauthenticated))
    }

    /// Shuts the socket of a connection libcurl may still hold after a failure: it keeps one whose final reply
    /// timed out (7.88), where a late reply would be read as the answer to the next command, and closing it later
    /// would send QUIT and wait the whole timeout for a relay that stopped answering. Nothing waits on it now.
    private func closeCachedConnection() {
        var socket: curl_socket_t = -1
        guard ccurl_getinfo_socket(handle, CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK, socket >= 0 else { return }
        // In clear only: on a TLS session, bytes of our own would break the stream; the close alone will do.
        if !settings.url.lowercased().hasPrefix("smtps:") && !settings.starttls {
            let quit = Array("QUIT\r\n".utf8)
            if quit.withUnsafeBytes({ Glibc.send(socket, $0.baseAddress, quit.count, Int32(MSG_NOSIGNAL)) })
                == quit.count
            {
                var ready = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                var reply = [UInt8](repeating: 0, count: 512)
                if poll(&ready, 1, 1000) > 0 {
                    _ = reply.withUnsafeMutableBytes { recv(socket, $0.baseAddress, 512, 0) }
                }
            }
        }
        shutdown(socket, Int32(SHUT_RDWR))
    }

    private func abandonConnection() {
        var socket: curl_socket_t = -1
        if ccurl_getinfo_socket(handle, CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK, socket >= 0 {
            shutdown(socket, Int32(SHUT_RDWR))
        }
    }
}

/// What the C callbacks of one transfer read from and write to (passed as userdata), and how far the dialogue got.
final class TransferContext {
    struct Reply: Sendable, Hashable {
        var code: Int
        /// The reply's lines, newline-separated, CRLF removed.
        var text: String
        /// The command it answers (`.greeting` for the server's greeting).
        var stage: SMTPReply.Stage
    }

    let message: [UInt8]
    let requireAuthentication: Bool
    var offset = 0
    private var pendingBytes: [UInt8] = []
    private var pendingLines: [String] = []
    /// Replies in order, QUIT's excluded (they close a previous connection and say nothing about this message).
    private(set) var replies: [Reply] = []
    /// The command whose reply is awaited (`.connect` until a greeting; `.message` once 354 came).
    private(set) var stage: SMTPReply.Stage = .connect
    /// The connection completed AUTH (235).
    private(set) var authenticated: Bool
    /// Credentials are configured and MAIL FROM went out without AUTH: the message must not be handed over.
    private(set) var sentUnauthenticated = false
    private var quitting = false
    private var authContinuation = false

    init(message: [UInt8], requireAuthentication: Bool = false, authenticated: Bool = false) {
        self.message = message
        self.requireAuthentication = requireAuthentication
        self.authenticated = authenticated
    }

    /// Copies the next chunk of the message into libcurl's buffer; nil aborts the transfer before any byte of a
    /// message that would go out unauthenticated.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int? {
        if sentUnauthenticated { return nil }
        let count = min(capacity, message.count - offset)
        guard count > 0 else { return 0 }
        message.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }

    /// A new socket: a new connection starts, unauthenticated, awaiting its greeting.
    func connecting() {
        stage = .connect
        authenticated = false
        quitting = false
        authContinuation = false
        pendingBytes = []
        pendingLines = []
    }

    /// A command line we sent (`CURLINFO_HEADER_OUT`): only its verb is looked at, never its arguments.
    func sent(_ bytes: UnsafeBufferPointer<UInt8>) {
        if authContinuation { return }  // a SASL response (credentials): not a command
        let verb = String(
            decoding: bytes.prefix { $0 != 0x20 && $0 != 0x0D && $0 != 0x0A && $0 != 0x3A }, as: UTF8.self
        )
        .uppercased()
        switch verb {
        case "EHLO", "HELO": stage = .ehlo
        case "STARTTLS": stage = .starttls
        case "AUTH": stage = .auth
        case "MAIL":
            stage = .mailFrom
            if requireAuthentication && !authenticated { sentUnauthenticated = true }
        case "RCPT": stage = .rcptTo
        case "DATA": stage = .data
        case "QUIT": quitting = true
        default: break
        }
    }

    /// Collects server lines; a line `NNN text` (space after the code) ends a reply, `NNN-text` continues it.
    func received(_ bytes: UnsafeBufferPointer<UInt8>) {
        pendingBytes.append(contentsOf: bytes)
        while let lf = pendingBytes.firstIndex(of: 0x0A) {
            var lineBytes = Array(pendingBytes[..<lf])
            pendingBytes.removeSubrange(...lf)
            if lineBytes.last == 0x0D { lineBytes.removeLast() }
            let line = String(decoding: lineBytes, as: UTF8.self)
            pendingLines.append(line)
            let chars = Array(line.utf8)
            let isFinal = chars.count < 4 || chars[3] != UInt8(ascii: "-")
            if isFinal {
                let code = chars.count >= 3 ? Int(String(decoding: chars[0..<3], as: UTF8.self)) ?? 0 : 0
                replied(code, pendingLines.joined(separator: "\n"))
                pendingLines = []
            }
        }
    }

    private func replied(_ code: Int, _ text: String) {
        if quitting {
            quitting = false
            return
        }
        if stage == .connect { stage = .greeting }
        replies.append(Reply(code: code, text: text, stage: stage))
        authContinuation = stage == .auth && code == 334
        if stage == .auth && (200..<300).contains(code) { authenticated = true }
        if stage == .data && code == 354 { stage = .message }
    }
}

/// READFUNCTION: feeds the message; libcurl dot-stuffs it and appends the final `CRLF.CRLF`.
private func smtpReadCallback(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
    guard let buffer, let userdata else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    return context.read(into: buffer, capacity: size * count) ?? ccurl_readfunc_abort()
}

/// SOCKOPTFUNCTION: called for every new socket, i.e. every new connection (a reused one calls nothing).
private func smtpSocketCallback(
    _ userdata: UnsafeMutableRawPointer?, _ fd: curl_socket_t, _ purpose: curlsocktype
)
    -> Int32
{
    if let userdata { Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue().connecting() }
    return Int32(CURL_SOCKOPT_OK)
}

/// DEBUGFUNCTION: keeps the server's reply lines (`CURLINFO_HEADER_IN`) and the verbs of our commands
/// (`CURLINFO_HEADER_OUT`); everything else, message and credentials included, is ignored.
private func smtpDebugCallback(
    _ handle: UnsafeMutableRawPointer?, _ type: curl_infotype, _ data: UnsafeMutablePointer<CChar>?, _ size: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int32 {
    guard type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT, let data, let userdata, size > 0 else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    data.withMemoryRebound(to: UInt8.self, capacity: size) {
        let bytes = UnsafeBufferPointer(start: $0, count: size)
        if type == CURLINFO_HEADER_IN { context.received(bytes) } else { context.sent(bytes) }
    }
    return 0
}
