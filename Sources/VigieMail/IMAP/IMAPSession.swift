import CEtpan
import Foundation
import Logging
import VigieCore

/// The real `MailboxSession`: one libetpan IMAP connection, connected and logged in by `init`.
///
/// Blocking, and used by one thread at a time (it is deliberately not `Sendable`: create it on the thread that uses
/// it). Every libetpan failure becomes an `EtpanError`; after a connection-level failure (kind `.connection`: server
/// gone, timeout, dropped socket) the session is dead and every later call throws `.connection` at once.
///
/// TLS: `.tls` connects with implicit TLS, `.starttls` upgrades a plain connection before login. libetpan with GnuTLS
/// verifies no certificate, so after the handshake and before LOGIN the chain is verified with GnuTLS against
/// `caFile` or the system trust store, including the validity dates, the TLS-server key purpose and the host name
/// (or IP address) — see `cetpan_verify_peer` in Sources/CEtpan/shim.h. `verifyCertificates: false` skips that.
public final class IMAPSession: MailboxSession {
    /// Capabilities after login, uppercased; internal setter so tests can hide one (e.g. MOVE) to force a fallback.
    public internal(set) var capabilities: Set<String> = []

    let endpoint: IMAPEndpoint
    let logger: Logger
    /// nil once logged out or closed.
    var imap: UnsafeMutablePointer<mailimap>?
    /// Set by a connection-level failure: the stream's state is unknown, nothing more is sent on it.
    var broken = false
    /// When the command under way started: a failure after `timeoutSeconds` of silence is reported as a timeout.
    var operationStart = ContinuousClock.now

    /// libetpan writes with send(…, 0) and GnuTLS without MSG_NOSIGNAL: a write to a socket the server closed would
    /// raise SIGPIPE and kill the process. Ignoring it turns that into the EPIPE error we handle.
    private static let sigpipeIgnored: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()

    /// Connects, negotiates TLS as `endpoint.security` asks, verifies the certificate, logs in, reads capabilities.
    public init(endpoint: IMAPEndpoint, logger: Logger) throws {
        _ = Self.sigpipeIgnored
        self.endpoint = endpoint
        var logger = logger
        logger[metadataKey: "imap"] = "\(endpoint.user)@\(endpoint.host):\(endpoint.port)"
        self.logger = logger
        guard let imap = mailimap_new(0, nil) else { throw EtpanError.outOfMemory("creating an IMAP session") }
        self.imap = imap
        mailimap_set_timeout(imap, time_t(max(1, endpoint.timeoutSeconds)))
        // libetpan's parser backtracks: after a read timed out it reads again, waiting `timeout` each time (a
        // stalled server cost 2–3 times timeout_seconds). The first failed read cancels the stream, so every later
        // read fails at once and the command ends after one timeout.
        mailimap_set_logger(
            imap,
            { session, logType, _, _, _ in
                guard Int(logType) == MAILSTREAM_LOG_TYPE_ERROR_RECEIVED,
                    let stream = session?.pointee.imap_stream, let low = mailstream_get_low(stream)
                else { return }
                mailstream_low_cancel(low)
            }, nil)
        operationStart = .now
        do {
            try connect(imap)
            try login(imap)
        } catch {
            logger.debug("IMAP session setup failed", metadata: ["error": "\(error)"])
            close()
            throw error
        }
        logger.debug(
            "IMAP session ready", metadata: ["capabilities": "\(capabilities.sorted().joined(separator: " "))"])
    }

    deinit {
        logout()
    }

    // MARK: - Connection

    private func connect(_ imap: UnsafeMutablePointer<mailimap>) throws {
        let host = endpoint.host
        guard let port = UInt16(exactly: endpoint.port), port > 0 else {
            throw EtpanError(
                kind: .other, code: Int32(MAILIMAP_ERROR_INVAL), operation: "connecting to \(host)",
                serverText: "invalid port \(endpoint.port)")
        }
        // SNI carries host names only, never address literals (RFC 6066 §3).
        let serverName: UnsafeMutablePointer<CChar>? = Self.isIPAddress(host) ? nil : strdup(host)
        defer { free(serverName) }
        switch endpoint.security {
        case .plain:
            try check(mailimap_socket_connect(imap, host, port), "connecting to \(host):\(port)")
        case .starttls:
            try check(mailimap_socket_connect(imap, host, port), "connecting to \(host):\(port)")
            try check(
                mailimap_socket_starttls_with_callback(imap, cetpan_set_server_name, serverName),
                "STARTTLS with \(host):\(port)")
            try verifyPeer(imap)
        case .tls:
            try check(
                mailimap_ssl_connect_with_callback(imap, host, port, cetpan_set_server_name, serverName),
                "TLS connection to \(host):\(port)")
            try verifyPeer(imap)
        }
    }

    private func verifyPeer(_ imap: UnsafeMutablePointer<mailimap>) throws {
        guard endpoint.verifyCertificates else {
            logger.warning("TLS certificate verification is disabled for this endpoint")
            return
        }
        var reason = [CChar](repeating: 0, count: 512)
        let verdict = cetpan_verify_peer(
            imap.pointee.imap_stream, endpoint.caFile, endpoint.host, &reason,
            reason.count)
        guard verdict == 0 else {
            broken = true
            let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw EtpanError.certificate(text, host: endpoint.host)
        }
    }

    private func login(_ imap: UnsafeMutablePointer<mailimap>) throws {
        let greeting = imap.pointee.imap_connection_info?.pointee.imap_capability
        operationStart = .now
        try check(mailimap_login(imap, endpoint.user, endpoint.password), "LOGIN as \(endpoint.user)")
        // Servers usually send their post-login capabilities in the LOGIN reply; ask when this one did not.
        let afterLogin = imap.pointee.imap_connection_info?.pointee.imap_capability
        if afterLogin == nil || afterLogin == greeting {
            var data: UnsafeMutablePointer<mailimap_capability_data>?
            try check(mailimap_capability(imap, &data), "CAPABILITY")
            if let data { mailimap_capability_data_free(data) }
        }
        capabilities = Self.capabilityNames(imap.pointee.imap_connection_info?.pointee.imap_capability)
    }

    static func capabilityNames(_ data: UnsafeMutablePointer<mailimap_capability_data>?) -> Set<String> {
        var names: Set<String> = []
        var it = cetpan_clist_begin(data?.pointee.cap_list)
        while let cell = it {
            if let cap = cetpan_clist_content(cell)?.assumingMemoryBound(to: mailimap_capability.self) {
                switch Int(cap.pointee.cap_type) {
                case MAILIMAP_CAPABILITY_AUTH_TYPE:
                    if let s = cap.pointee.cap_data.cap_auth_type {
                        names.insert("AUTH=" + String(cString: s).uppercased())
                    }
                default:
                    if let s = cap.pointee.cap_data.cap_name { names.insert(String(cString: s).uppercased()) }
                }
            }
            it = cetpan_clist_next(cell)
        }
        return names
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// LOGOUT (skipped when the connection is already broken) and free everything; safe to call twice.
    public func logout() {
        guard let imap else { return }
        if !broken, let stream = imap.pointee.imap_stream {
            // A goodbye is a courtesy: a server silent at that point costs a few seconds, not `timeoutSeconds`.
            if let low = mailstream_get_low(stream) {
                mailstream_low_set_timeout(low, time_t(min(Self.logoutTimeoutSeconds, max(1, endpoint.timeoutSeconds))))
            }
            let r = mailimap_logout(imap)
            if r != MAILIMAP_NO_ERROR { logger.debug("LOGOUT failed", metadata: ["code": "\(r)"]) }
        }
        close()
    }

    /// At most this long to wait for the answer to LOGOUT.
    static let logoutTimeoutSeconds = 3

    /// Frees the libetpan session (closing its socket) without a word to the server.
    func close() {
        guard let imap else { return }
        // mailimap_free sends LOGOUT itself while a stream is open, and waits up to the timeout for its answer (a
        // stalled server doubled every timeout): close the stream first.
        if let stream = imap.pointee.imap_stream {
            mailstream_close(stream)
            imap.pointee.imap_stream = nil
        }
        mailimap_free(imap)
        self.imap = nil
    }

    // MARK: - Plumbing shared by the extensions

    /// The live session, or a `.connection` error when it broke or was closed earlier.
    func live(_ operation: @autoclosure () -> String) throws -> UnsafeMutablePointer<mailimap> {
        guard let imap, !broken, imap.pointee.imap_stream != nil else {
            throw EtpanError.disconnected(operation())
        }
        operationStart = .now
        return imap
    }

    /// `timeoutSeconds` when the command failed because the server went silent that long (the socket is still open
    /// and has nothing to read), nil when the link broke some other way (closed, reset) or sooner.
    func silence() -> Int? {
        let timeout = max(1, endpoint.timeoutSeconds)
        guard ContinuousClock.now - operationStart >= .milliseconds(timeout * 900) else { return nil }
        if let stream = imap?.pointee.imap_stream, let low = mailstream_get_low(stream) {
            let fd = mailstream_low_get_fd(low)
            if fd >= 0 {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&pfd, 1, 0) > 0 {
                    // Readable after a failed read: end of stream or an error, so the server did not just go quiet.
                    var byte: UInt8 = 0
                    if pfd.revents & Int16(POLLERR | POLLHUP) != 0 || recv(fd, &byte, 1, Int32(MSG_PEEK)) <= 0 {
                        return nil
                    }
                }
            }
        }
        return timeout
    }

    /// Converts a libetpan code through `EtpanError`; a connection-level failure marks the session dead.
    func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
        if code == MAILIMAP_NO_ERROR || code == MAILIMAP_NO_ERROR_AUTHENTICATED
            || code == MAILIMAP_NO_ERROR_NON_AUTHENTICATED
        {
            return
        }
        do {
            try EtpanError.checkIMAP(code, operation(), session: imap)
        } catch var error as EtpanError {
            if error.breaksConnection {
                broken = true
                if error.kind != .certificate { error.timedOutAfter = silence() }
            }
            throw error
        }
    }

    // MARK: - Mailbox

    /// SELECT (read-write) the mailbox.
    public func select(_ mailbox: String) throws -> MailboxStatus {
        let imap = try live("SELECT \(mailbox)")
        try check(mailimap_select(imap, mailbox), "SELECT \(mailbox)")
        guard let info = imap.pointee.imap_selection_info?.pointee else {
            throw EtpanError(
                kind: .protocolError, code: Int32(MAILIMAP_ERROR_PROTOCOL), operation: "SELECT \(mailbox)",
                serverText: "no selection data in the reply")
        }
        let status = MailboxStatus(
            uidValidity: info.sel_uidvalidity, uidNext: info.sel_uidnext,
            messageCount: Int(info.sel_exists))
        // SELECT's EXISTS and RECENT describe the mailbox as it is, not news for `idle`.
        imap.pointee.imap_selection_info?.pointee.sel_has_exists = 0
        imap.pointee.imap_selection_info?.pointee.sel_has_recent = 0
        logger.debug(
            "selected",
            metadata: [
                "mailbox": "\(mailbox)", "uidvalidity": "\(status.uidValidity)",
                "uidnext": "\(status.uidNext)", "exists": "\(status.messageCount)",
            ])
        return status
    }

    /// Wait in IDLE up to `timeout` seconds; true when the server announced new messages (EXISTS or RECENT), now or
    /// in a reply since the last `select` or `uids(from:)`.
    ///
    /// Returns as soon as the server says anything: a keep-alive (`* OK Still here`) ends the wait early with false,
    /// so callers loop. Without the IDLE capability, sleeps `timeout` and asks with NOOP.
    public func idle(timeout: TimeInterval) throws -> Bool {
        let imap = try live("IDLE")
        guard capabilities.contains("IDLE") else { return try noopWait(imap, timeout: timeout) }
        // A message announced in the reply to an earlier command (the FETCH, STORE or MOVE after the last search):
        // IDLE would clear that and wait for a notification the server already sent.
        if let info = imap.pointee.imap_selection_info?.pointee, info.sel_has_exists != 0 || info.sel_has_recent != 0 {
            imap.pointee.imap_selection_info?.pointee.sel_has_exists = 0
            imap.pointee.imap_selection_info?.pointee.sel_has_recent = 0
            return true
        }
        // mailimap_idle clears sel_has_exists / sel_has_recent; the untagged replies read until DONE's answer set them.
        try check(mailimap_idle(imap), "IDLE")
        if imap.pointee.imap_stream.pointee.read_buffer_len == 0 {
            try waitReadable(mailimap_idle_get_fd(imap), timeout: timeout)
        }
        operationStart = .now
        try check(mailimap_idle_done(imap), "IDLE DONE")
        guard let info = imap.pointee.imap_selection_info?.pointee else { return false }
        return info.sel_has_exists != 0 || info.sel_has_recent != 0
    }

    private func noopWait(_ imap: UnsafeMutablePointer<mailimap>, timeout: TimeInterval) throws -> Bool {
        let before = imap.pointee.imap_selection_info?.pointee.sel_exists ?? 0
        if timeout > 0 { Thread.sleep(forTimeInterval: timeout) }
        imap.pointee.imap_selection_info?.pointee.sel_has_exists = 0
        try check(mailimap_noop(imap), "NOOP")
        guard let info = imap.pointee.imap_selection_info?.pointee else { return false }
        return info.sel_has_exists != 0 && info.sel_exists > before
    }

    /// poll() until `fd` is readable or `timeout` passes (both fine: IDLE DONE follows either way).
    private func waitReadable(_ fd: Int32, timeout: TimeInterval) throws {
        guard fd >= 0 else { throw EtpanError.disconnected("IDLE") }
        let deadline = Date().addingTimeInterval(max(0, timeout))
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&pfd, 1, Int32(min(remaining * 1000, Double(Int32.max)).rounded(.up)))
            if r > 0 { return }
            if r == 0 { return }
            if errno == EINTR { continue }
            broken = true
            throw EtpanError.system("waiting in IDLE", errno: errno)
        }
    }
}
