import CCurl
import Foundation
import VigieCore

/// One SMTP connection through a libcurl easy handle, kept open from one message to the next.
///
/// libcurl keeps the connection in the handle's cache (`CURLOPT_MAXCONNECTS` 1) and reuses it for the next
/// transfer, so consecutive sends go MAIL FROM → RCPT TO → DATA on the same session. A failed transaction makes
/// libcurl close the connection; the next send opens a new one. Calls are serialised; run it on its own thread.
/// `CURLOPT_MAIL_RCPT_ALLOWFAILS` is not needed: with one recipient, a refused RCPT TO ends the transfer and its
/// reply (code and text) is what `send` returns.
public final class CurlSMTPTransport: MailTransport, @unchecked Sendable {
    private let lock = NSLock()
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    public let settings: SMTPEndpoint
    /// After this many messages the next one goes over a fresh connection; 0 = no limit.
    public let maxMessagesPerConnection: Int
    private var messagesOnConnection = 0
    private var opened = 0
    /// Set when the handle could not be configured; every send then reports it.
    private var setupProblem: String?

    /// Connections opened so far (reconnections included).
    public var connectionsOpened: Int { lock.withLock { opened } }

    /// Configures the handle; nothing is sent until the first `send`.
    public init(settings: SMTPEndpoint, maxMessagesPerConnection: Int = 0) {
        // libcurl is initialised once per process (CurlError.globalInit), before any handle exists.
        _ = CurlError.globalInit
        self.settings = settings
        self.maxMessagesPerConnection = max(0, maxMessagesPerConnection)
        self.handle = curl_easy_init()
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        setupProblem = configure()
    }

    deinit {
        // Closes the cached connection politely (QUIT) and frees the handle.
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
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1), "UPLOAD"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_MAXCONNECTS, 1), "MAXCONNECTS"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, timeoutMs), "CONNECTTIMEOUT"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMs), "TIMEOUT"),
            CurlError.setupProblem(
                ccurl_setopt_long(handle, CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, Int(settings.timeoutSeconds))),
                "SERVER_RESPONSE_TIMEOUT"),
            CurlError.setupProblem(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, settings.verifyCertificates ? 1 : 0),
                           "SSL_VERIFYPEER"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, settings.verifyCertificates ? 2 : 0),
                           "SSL_VERIFYHOST"),
            // The debug callback is how the server's reply lines are captured; it only runs in verbose mode.
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_VERBOSE, 1), "VERBOSE"),
            CurlError.setupProblem(ccurl_setopt_debug_callback(handle, smtpDebugCallback), "DEBUGFUNCTION"),
            CurlError.setupProblem(ccurl_setopt_read_callback(handle, smtpReadCallback), "READFUNCTION"),
        ]
        if settings.starttls {
            problems.append(CurlError.setupProblem(
                ccurl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)), "USE_SSL"))
        }
        if let caFile = settings.caFile {
            problems.append(CurlError.setupProblem(ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile), "CAINFO"))
        }
        if let user = settings.user {
            problems.append(CurlError.setupProblem(ccurl_setopt_string(handle, CURLOPT_USERNAME, user), "USERNAME"))
            problems.append(CurlError.setupProblem(
                ccurl_setopt_string(handle, CURLOPT_PASSWORD, settings.password ?? ""), "PASSWORD"))
            if let mechanism = settings.authMechanism {
                problems.append(CurlError.setupProblem(
                    ccurl_setopt_string(handle, CURLOPT_LOGIN_OPTIONS, "AUTH=" + mechanism.rawValue),
                    "LOGIN_OPTIONS"))
            }
        }
        let found = problems.compactMap { $0 }
        return found.isEmpty ? nil : found.joined(separator: "; ")
    }

    /// Sends one message to one recipient and returns the server's final reply.
    ///
    /// A refusal at any stage (RCPT TO 550, DATA 451 …) comes back with the server's code and text. `code` is 0
    /// with `failure` set when there was no verdict on the message (connection, timeout, TLS); `failure` is
    /// `.authentication` when the relay refused our credentials.
    public func send(from envelopeFrom: String, to recipient: String, message: [UInt8]) -> SMTPReply {
        lock.withLock { sendLocked(from: envelopeFrom, to: recipient, message: message) }
    }

    private func sendLocked(from envelopeFrom: String, to recipient: String, message: [UInt8]) -> SMTPReply {
        if let setupProblem { return SMTPReply(code: 0, text: setupProblem, failure: .protocolError) }
        let from = HeaderEncoding.sanitizeAddress(envelopeFrom)
        let to = HeaderEncoding.sanitizeAddress(recipient)
        guard !to.isEmpty else {
            return SMTPReply(code: 0, text: "empty recipient address", failure: .protocolError)
        }
        let context = TransferContext(message: message)
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        guard let recipients = curl_slist_append(nil, "<\(to)>") else {
            return SMTPReply(code: 0, text: "out of memory", failure: .protocolError)
        }
        defer { curl_slist_free_all(recipients) }

        let fresh = maxMessagesPerConnection > 0 && messagesOnConnection >= maxMessagesPerConnection
        errorBuffer[0] = 0
        let setup = [
            CurlError.setupProblem(ccurl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(from)>"), "MAIL_FROM"),
            CurlError.setupProblem(ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients), "MAIL_RCPT"),
            CurlError.setupProblem(ccurl_setopt_pointer(handle, CURLOPT_READDATA, contextPointer), "READDATA"),
            CurlError.setupProblem(ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, contextPointer), "DEBUGDATA"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_INFILESIZE_LARGE, message.count), "INFILESIZE"),
            CurlError.setupProblem(ccurl_setopt_long(handle, CURLOPT_FRESH_CONNECT, fresh ? 1 : 0), "FRESH_CONNECT"),
        ].compactMap { $0 }
        if !setup.isEmpty { return SMTPReply(code: 0, text: setup.joined(separator: "; "), failure: .protocolError) }

        let result = withExtendedLifetime(context) { curl_easy_perform(handle) }
        // The slist dies with this call: make sure the handle no longer points at it or at the context.
        _ = ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, nil)
        _ = ccurl_setopt_pointer(handle, CURLOPT_READDATA, nil)
        _ = ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, nil)

        var newConnections = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &newConnections)
        var responseCode = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &responseCode)
        opened += newConnections
        messagesOnConnection = newConnections > 0 ? 1 : messagesOnConnection + 1

        return Self.reply(
            result: result, responseCode: responseCode, serverReplies: context.replies,
            errorDescription: { CurlError.describe(result, errorBuffer: errorBuffer) })
    }

    /// Chooses between the server's verdict and the local error: a final 4xx/5xx reply is the server's verdict on
    /// this message even when libcurl reports the transfer as failed (it does for RCPT TO and DATA refusals).
    static func reply(
        result: CURLcode, responseCode: Int, serverReplies: [TransferContext.Reply], errorDescription: () -> String
    ) -> SMTPReply {
        // QUIT's reply never sets the response code, so the last reply carrying it is the verdict.
        let text = serverReplies.last { $0.code == responseCode }?.text ?? ""
        if result == CURLE_OK {
            return SMTPReply(code: responseCode, text: text)
        }
        // A failed transfer never reports a 2xx/3xx code: nobody may mistake it for an accepted message.
        let verdict = responseCode >= 400 ? responseCode : 0
        if CurlError.isAuthenticationFailure(result) {
            let detail = text.isEmpty ? errorDescription() : "\(errorDescription()); server: \(text)"
            return SMTPReply(code: verdict, text: verdict > 0 ? text : detail, failure: .authentication)
        }
        if verdict > 0 && !CurlError.isTimeout(result) {
            return SMTPReply(code: verdict, text: text.isEmpty ? errorDescription() : text)
        }
        let failure: SMTPReply.Failure
        if CurlError.isTimeout(result) {
            failure = .timeout
        } else if CurlError.isTLSFailure(result) {
            failure = .tls
        } else if CurlError.isConnectionFailure(result) {
            failure = .connection
        } else {
            failure = .protocolError
        }
        return SMTPReply(code: 0, text: errorDescription(), failure: failure)
    }
}

/// What the C callbacks of one transfer read from and write to (passed as userdata).
final class TransferContext {
    struct Reply {
        var code: Int
        /// The reply's lines, newline-separated, CRLF removed.
        var text: String
    }

    let message: [UInt8]
    var offset = 0
    private var pendingBytes: [UInt8] = []
    private var pendingLines: [String] = []
    private(set) var replies: [Reply] = []

    init(message: [UInt8]) {
        self.message = message
    }

    /// Copies the next chunk of the message into libcurl's buffer.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, message.count - offset)
        guard count > 0 else { return 0 }
        message.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
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
                replies.append(Reply(code: code, text: pendingLines.joined(separator: "\n")))
                pendingLines = []
            }
        }
    }
}

/// READFUNCTION: feeds the message; libcurl dot-stuffs it and appends the final `CRLF.CRLF`.
private func smtpReadCallback(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
    guard let buffer, let userdata else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    return context.read(into: buffer, capacity: size * count)
}

/// DEBUGFUNCTION: keeps the server's reply lines (`CURLINFO_HEADER_IN`); everything else, credentials
/// included, is ignored.
private func smtpDebugCallback(
    _ handle: UnsafeMutableRawPointer?, _ type: curl_infotype, _ data: UnsafeMutablePointer<CChar>?, _ size: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int32 {
    guard type == CURLINFO_HEADER_IN, let data, let userdata, size > 0 else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
    data.withMemoryRebound(to: UInt8.self, capacity: size) { context.received(UnsafeBufferPointer(start: $0, count: size)) }
    return 0
}
