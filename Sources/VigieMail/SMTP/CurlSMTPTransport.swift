import CCurl
import Foundation
import Synchronization
import VigieCore

/// One SMTP connection opened by libcurl, over which Vigie speaks the mail transaction itself.
///
/// libcurl does what it is good at: connect, implicit TLS or STARTTLS, the greeting, EHLO and AUTH
/// (`CURLOPT_CONNECT_ONLY`: for smtp:// and smtps:// it runs the protocol's connect phase, then hands the connection
/// over). The transaction then goes through `curl_easy_send`/`curl_easy_recv` (so through libcurl's TLS): MAIL FROM,
/// RCPT TO and DATA in one write when the relay offers PIPELINING (RFC 2920), one at a time otherwise; the message
/// dot-stuffed by one `memchr` pass and sent with its end of data in one write; RSET after a refused transaction.
/// libcurl alone cannot pipeline, and scans every byte of the data for dots.
///
/// The debug callback follows the connect phase (which command each reply answers), so that a refusal of the session
/// (greeting, EHLO, STARTTLS, AUTH) is never reported as a verdict on the recipient (`SMTPOutcome`), and keeps the
/// EHLO reply (PIPELINING, SIZE). With credentials configured, a connection that did not authenticate never carries
/// a message: libcurl silently skips AUTH when the relay does not offer it. A connection whose state is in doubt (a
/// timeout, an unexpected reply, a broken read) is shut at once and never reused; the next send opens a new one.
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
        /// The socket of the open session (libcurl's); nil when there is none usable.
        var socket: curl_socket_t?
        /// What the session's last EHLO offered.
        var capabilities = SMTPWire.Capabilities()
        /// Bytes read from the relay not yet consumed as replies.
        var parser = SMTPWire.ReplyParser()
        /// Set when the handle could not be configured; every send then reports it.
        var setupProblem: String?
    }

    private let connection: Mutex<Connection>
    /// TLS (implicit or STARTTLS): libcurl may hold decrypted bytes the socket no longer shows.
    private let tls: Bool
    private let timeoutMs: Int32

    /// Connections opened so far (reconnections included).
    public var connectionsOpened: Int { connection.withLock { $0.opened } }

    /// Configures the handle; nothing is sent until the first `send`.
    public init(settings: SMTPEndpoint, maxMessagesPerConnection: Int = 0) {
        // libcurl is initialised once per process (CurlError.globalInit), before any handle exists.
        _ = CurlError.globalInit
        self.settings = settings
        self.maxMessagesPerConnection = max(0, maxMessagesPerConnection)
        self.tls = settings.starttls || settings.url.lowercased().hasPrefix("smtps:")
        self.timeoutMs = Int32(clamping: max(1, Int(settings.timeoutSeconds * 1000)))
        self.handle = curl_easy_init()
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        self.connection = Mutex(Connection())
        let problem = configure()
        connection.withLock { $0.setupProblem = problem }
    }

    deinit {
        // libcurl would close the connection with QUIT and wait for its reply as long as the configured timeout: a
        // relay that does not answer QUIT kept the process idle that long after its last message. Say QUIT
        // ourselves, wait 1 s at most, then shut the socket (libcurl's own QUIT then fails at once).
        connection.withLock { closeSession(&$0) }
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// The options that hold for every connection of this handle.
    private func configure() -> String? {
        var url = settings.url
        if let helo = settings.heloName, !helo.isEmpty {
            // libcurl takes the EHLO name from the URL path.
            while url.hasSuffix("/") { url.removeLast() }
            url += "/" + helo
        }
        let timeoutMs = Int(self.timeoutMs)
        var problems: [String?] = [
            CurlError.setupProblem(ccurl_setopt_string(handle, CURLOPT_URL, url), "URL"),
            // Only SMTP: an http:// or gopher:// smtp_url must be refused, not turned into an upload elsewhere.
            CurlError.setupProblem(ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"), "PROTOCOLS_STR"),
            // Connect, TLS, greeting, EHLO, STARTTLS, AUTH — then the connection is ours.
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_CONNECT_ONLY, 1), "CONNECT_ONLY"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_MAXCONNECTS, 1), "MAXCONNECTS"),
            // Every perform opens a session; a live one is never handed back to libcurl.
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_FRESH_CONNECT, 1), "FRESH_CONNECT"),
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
            // The debug callback is how the connect phase's replies are captured; it only runs in verbose mode.
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_VERBOSE, 1), "VERBOSE"),
            CurlError.setupProblem(ccurl_setopt_debug_callback(handle, smtpDebugCallback), "DEBUGFUNCTION"),
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
        if connection.socket != nil
            && ((maxMessagesPerConnection > 0 && connection.messagesOnConnection >= maxMessagesPerConnection)
                || !isIdle(&connection))
        {
            closeSession(&connection)
        }
        if connection.socket == nil, let failure = openSession(&connection) { return failure }
        connection.messagesOnConnection += 1
        return transaction(from: from, to: to, message: message, on: &connection)
    }

    // MARK: - The session (libcurl)

    /// Opens a session with libcurl's connect phase; nil when it is ready for a transaction, else the fault.
    private func openSession(_ connection: inout Connection) -> SMTPReply? {
        let context = TransferContext(requireAuthentication: settings.user != nil)
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        errorBuffer[0] = 0
        let setup = [
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_VERBOSE, 1), "VERBOSE"),
            CurlError.setupProblem(ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, contextPointer), "DEBUGDATA"),
            CurlError.setupProblem(ccurl_setopt_pointer(handle, CURLOPT_SOCKOPTDATA, contextPointer), "SOCKOPTDATA"),
        ].compactMap { $0 }
        if !setup.isEmpty {
            return SMTPReply(code: 0, text: setup.joined(separator: "; "), failure: .configuration, stage: .connect)
        }
        let result = withExtendedLifetime(context) { curl_easy_perform(handle) }
        // The context dies with this call; libcurl's later messages (send/recv) need no callback.
        _ = ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, nil)
        _ = ccurl_setopt_pointer(handle, CURLOPT_SOCKOPTDATA, nil)
        _ = ccurl_setopt_long(handle, CURLOPT_VERBOSE, 0)
        var newConnections = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &newConnections)
        connection.opened += newConnections
        connection.messagesOnConnection = 0
        connection.parser = SMTPWire.ReplyParser()
        var socket: curl_socket_t = -1
        let unauthenticated = result == CURLE_OK && context.requireAuthentication && !context.authenticated
        if result != CURLE_OK || unauthenticated
            || ccurl_getinfo_socket(handle, CURLINFO_ACTIVESOCKET, &socket) != CURLE_OK || socket < 0
        {
            abandonActiveSocket()
            var responseCode = 0
            _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &responseCode)
            return SMTPOutcome.classify(
                SMTPOutcome.Observed(
                    kind: result == CURLE_OK ? (unauthenticated ? .aborted : .other) : CurlError.kind(result),
                    errorText: result == CURLE_OK
                        ? "no connection after the connect phase"
                        : CurlError.describe(result, errorBuffer: errorBuffer),
                    responseCode: responseCode, replies: context.replies, stage: context.stage,
                    sentUnauthenticated: unauthenticated))
        }
        connection.socket = socket
        connection.capabilities = SMTPWire.Capabilities(
            ehloReply: context.replies.last { $0.stage == .ehlo && $0.code == 250 }?.text ?? "")
        return nil
    }

    /// Whether the open session can take a transaction: nothing arrived since the last reply (a relay that closed
    /// an idle connection, or said 421 before closing it, is left for a new one).
    private func isIdle(_ connection: inout Connection) -> Bool {
        guard let socket = connection.socket, !connection.parser.hasPartialReply else { return false }
        var ready = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        if poll(&ready, 1, 0) == 0 && !tls { return true }
        var byte: UInt8 = 0
        var got = 0
        return curl_easy_recv(handle, &byte, 1, &got) == CURLE_AGAIN
    }

    /// Ends the session: QUIT, its reply awaited 1 s at most, then the socket shut (libcurl's own QUIT on closing
    /// the handle fails at once instead of waiting for a relay that no longer answers).
    private func closeSession(_ connection: inout Connection) {
        guard let socket = connection.socket else { return }
        connection.socket = nil
        if write(SMTPWire.quit, socket: socket, timeoutMs: 1000) == nil {
            _ = readReply(&connection.parser, socket: socket, timeoutMs: 1000)
        }
        shutdown(socket, Int32(SHUT_RDWR))
    }

    /// Shuts the session at once (its state is in doubt: a late reply would answer the next command).
    private func dropSession(_ connection: inout Connection) {
        if let socket = connection.socket { shutdown(socket, Int32(SHUT_RDWR)) }
        connection.socket = nil
    }

    private func abandonActiveSocket() {
        var socket: curl_socket_t = -1
        if ccurl_getinfo_socket(handle, CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK, socket >= 0 {
            shutdown(socket, Int32(SHUT_RDWR))
        }
    }

    // MARK: - The transaction (ours)

    /// Why reading or writing stopped.
    private enum WireError: Error {
        case timeout
        case closed(String)

        var kind: CurlError.Kind {
            if case .timeout = self { return .timeout }
            return .connectionLost
        }
    }

    /// MAIL FROM, RCPT TO, DATA (pipelined when offered), the data, and the final reply, on the open session.
    private func transaction(
        from: String, to: String, message: [UInt8], on connection: inout Connection
    )
        -> SMTPReply
    {
        guard let socket = connection.socket else {
            return SMTPReply(code: 0, text: "no session", failure: .connection, stage: .connect)
        }
        let capabilities = connection.capabilities
        var replies: [TransferContext.Reply] = []
        var stage = SMTPReply.Stage.mailFrom
        /// A fault of the wire at `stage`: the session is dropped, the outcome classified as libcurl's would be.
        func fault(_ error: WireError) -> SMTPReply {
            dropSession(&connection)
            let what: String
            switch error {
            case .timeout:
                what = "no reply from the relay within \(settings.timeoutSeconds) s (\(stage.rawValue))"
            case .closed(let why):
                what = "connection lost (\(stage.rawValue)): \(why)"
            }
            return SMTPOutcome.classify(
                SMTPOutcome.Observed(
                    kind: error.kind, errorText: what, responseCode: 0, replies: replies, stage: stage,
                    sentUnauthenticated: false))
        }
        /// The verdict from the replies so far (the last one decides), the session reset or dropped as needed.
        func verdict(reset: Bool) -> SMTPReply {
            let last = replies.last
            let outcome = SMTPOutcome.classify(
                SMTPOutcome.Observed(
                    kind: last.map { (200..<300).contains($0.code) } == true ? nil : .serverReply,
                    errorText: "unexpected reply from the relay", responseCode: last?.code ?? 0, replies: replies,
                    stage: stage, sentUnauthenticated: false))
            // 421 closes the channel (RFC 5321 §3.8); a reply that is not 2xx/4xx/5xx leaves the dialogue unsure.
            if let code = last?.code, code == 421 || !(200..<600).contains(code) || (300..<400).contains(code) {
                dropSession(&connection)
            } else if reset {
                resetTransaction(&connection)
            }
            return outcome
        }
        func reply(_ at: SMTPReply.Stage) throws(WireError) -> TransferContext.Reply {
            stage = at
            let r = try awaitReply(&connection.parser, socket: socket, timeoutMs: timeoutMs)
            let reply = TransferContext.Reply(code: r.code, text: r.text, stage: at)
            replies.append(reply)
            return reply
        }
        let mail = SMTPWire.mailFrom(from, size: capabilities.size ? message.count : nil)
        let rcpt = SMTPWire.rcptTo(to)
        do throws(WireError) {
            if capabilities.pipelining {
                try writeOrThrow(mail + rcpt + SMTPWire.data, socket: socket)
                let mailReply = try reply(.mailFrom)
                if !(200..<300).contains(mailReply.code) {
                    skipPipelinedReplies(2, on: &connection)
                    stage = .mailFrom
                    return verdict(reset: true)
                }
                let rcptReply = try reply(.rcptTo)
                if !(200..<300).contains(rcptReply.code) {
                    // The verdict is RCPT TO's; DATA's reply (554, 503) is only read to stay in step.
                    skipPipelinedReplies(1, on: &connection)
                    stage = .rcptTo
                    return verdict(reset: true)
                }
                if try reply(.data).code != 354 { return verdict(reset: true) }
            } else {
                try writeOrThrow(mail, socket: socket)
                if try !(200..<300).contains(reply(.mailFrom).code) { return verdict(reset: false) }
                try writeOrThrow(rcpt, socket: socket)
                if try !(200..<300).contains(reply(.rcptTo).code) { return verdict(reset: true) }
                try writeOrThrow(SMTPWire.data, socket: socket)
                if try reply(.data).code != 354 { return verdict(reset: true) }
            }
            stage = .message
            try writeOrThrow(SMTPWire.stuffedData(message), socket: socket)
            _ = try reply(.message)
            return verdict(reset: false)
        } catch {
            return fault(error)
        }
    }

    /// Reads the replies to the commands pipelined after a refused one, so that the session stays in step; a 354
    /// (a relay that took DATA without a recipient) gets an empty end of data. A session that breaks is dropped: the
    /// verdict is already known.
    private func skipPipelinedReplies(_ count: Int, on connection: inout Connection) {
        for _ in 0..<count {
            guard let socket = connection.socket else { return }
            guard case .success(let reply) = readReply(&connection.parser, socket: socket, timeoutMs: timeoutMs),
                reply.code != 354
                    || (write(SMTPWire.emptyData, socket: socket, timeoutMs: timeoutMs) == nil
                        && (try? awaitReply(&connection.parser, socket: socket, timeoutMs: timeoutMs)) != nil)
            else {
                dropSession(&connection)
                return
            }
        }
    }

    /// RSET after a refused transaction; a session that does not answer it is dropped.
    private func resetTransaction(_ connection: inout Connection) {
        guard let socket = connection.socket else { return }
        if write(SMTPWire.rset, socket: socket, timeoutMs: timeoutMs) != nil {
            dropSession(&connection)
            return
        }
        switch readReply(&connection.parser, socket: socket, timeoutMs: timeoutMs) {
        case .success(let reply) where (200..<300).contains(reply.code): break
        default: dropSession(&connection)
        }
    }

    private func writeOrThrow(_ bytes: [UInt8], socket: curl_socket_t) throws(WireError) {
        if let error = write(bytes, socket: socket, timeoutMs: timeoutMs) { throw error }
    }

    /// Writes every byte through libcurl (TLS included), waiting for the socket when it is full; nil when done.
    private func write(_ bytes: [UInt8], socket: curl_socket_t, timeoutMs: Int32) -> WireError? {
        bytes.withUnsafeBytes { raw -> WireError? in
            var offset = 0
            while offset < raw.count {
                var sent = 0
                let result = curl_easy_send(handle, raw.baseAddress! + offset, raw.count - offset, &sent)
                offset += sent
                if result == CURLE_AGAIN {
                    var ready = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
                    let n = poll(&ready, 1, timeoutMs)
                    if n == 0 { return .timeout }
                    if n < 0 && errno != EINTR { return .closed(String(cString: strerror(errno))) }
                } else if result != CURLE_OK {
                    return .closed(String(cString: curl_easy_strerror(result)))
                }
            }
            return nil
        }
    }

    private func awaitReply(
        _ parser: inout SMTPWire.ReplyParser, socket: curl_socket_t, timeoutMs: Int32
    )
        throws(WireError) -> SMTPWire.Reply
    {
        switch readReply(&parser, socket: socket, timeoutMs: timeoutMs) {
        case .success(let reply): return reply
        case .failure(let error): throw error
        }
    }

    /// The next complete reply: from bytes already read, else from libcurl (its TLS buffers first), else after
    /// waiting for the socket at most `timeoutMs` without progress.
    private func readReply(
        _ parser: inout SMTPWire.ReplyParser, socket: curl_socket_t, timeoutMs: Int32
    )
        -> Result<SMTPWire.Reply, WireError>
    {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { chunk in
            var waited = !tls
            while true {
                if let reply = parser.next() { return .success(reply) }
                if waited {
                    var ready = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                    let n = poll(&ready, 1, timeoutMs)
                    if n == 0 { return .failure(.timeout) }
                    if n < 0 && errno != EINTR { return .failure(.closed(String(cString: strerror(errno)))) }
                }
                var got = 0
                let result = curl_easy_recv(handle, chunk.baseAddress, chunk.count, &got)
                switch result {
                case CURLE_OK where got == 0:
                    return .failure(.closed("closed by the relay"))
                case CURLE_OK:
                    parser.append(UnsafeBufferPointer(rebasing: chunk[..<got]))
                    waited = !tls
                case CURLE_AGAIN:
                    waited = true
                default:
                    return .failure(.closed(String(cString: curl_easy_strerror(result))))
                }
            }
        }
    }
}

/// What the C callbacks of one connect phase write to (passed as userdata), and how far the dialogue got.
final class TransferContext {
    struct Reply: Sendable, Hashable {
        var code: Int
        /// The reply's lines, newline-separated, CRLF removed.
        var text: String
        /// The command it answers (`.greeting` for the server's greeting).
        var stage: SMTPReply.Stage
    }

    let requireAuthentication: Bool
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

    init(requireAuthentication: Bool = false, authenticated: Bool = false) {
        self.requireAuthentication = requireAuthentication
        self.authenticated = authenticated
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
