import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A scripted SMTP server on loopback for the transport tests: POSIX sockets, one thread per connection.
///
/// Each recipient has a script of outcomes, one per transaction that names it; the last outcome repeats. It keeps
/// every message received (envelope + dot-unstuffed data), counts connections, logs commands, and can drop a
/// connection mid-transaction or stop answering. `Session` scripts the relay faults that concern no recipient
/// (greeting, EHLO, MAIL FROM refusals, AUTH not offered, STARTTLS spliced to a TLS server).
final class TestSMTPServer: Sendable {
    /// Where a scripted outcome happens.
    enum Stage: Sendable { case rcpt, data, endOfData }

    /// What the server does for one transaction.
    enum Outcome: Sendable {
        case accept
        /// Replies `code text` at that stage (the transaction ends there).
        case reply(Stage, Int, String)
        /// Closes the socket at that stage without replying.
        case drop(Stage)
        /// Never answers at that stage (reads on until the client gives up).
        case silent(Stage)
    }

    /// A reply line the session-level script gives instead of the normal one.
    struct Reply: Sendable {
        var code: Int
        var text: String
    }

    /// How the whole session behaves, whatever the recipient.
    struct SessionScript: Sendable {
        /// Replaces the 220 greeting (e.g. 554 or 421); the server closes after it.
        var greeting: Reply?
        /// The reply to EHLO and HELO (e.g. 502, 421).
        var ehlo: Reply?
        /// The reply to every MAIL FROM (e.g. 553, 451).
        var mailFrom: Reply?
        /// Advertise AUTH when credentials are set; false requires them without offering AUTH (530 at MAIL FROM).
        var offerAuth = true
        /// Advertise STARTTLS and, on it, splice the connection to this loopback TLS port (an `openssl s_server`).
        var starttlsPort: UInt16?
        /// false: QUIT is never answered (the server hangs until the client closes).
        var answerQuit = true
        /// Advertise PIPELINING (RFC 2920); without it, a command sent before the previous reply is logged in
        /// `early` as a fault of the client.
        var offerPipelining = false

        init(
            greeting: Reply? = nil, ehlo: Reply? = nil, mailFrom: Reply? = nil, offerAuth: Bool = true,
            starttlsPort: UInt16? = nil, answerQuit: Bool = true, offerPipelining: Bool = false
        ) {
            self.offerPipelining = offerPipelining
            self.greeting = greeting
            self.ehlo = ehlo
            self.mailFrom = mailFrom
            self.offerAuth = offerAuth
            self.starttlsPort = starttlsPort
            self.answerQuit = answerQuit
        }
    }

    /// One message as the server got it.
    struct Received: Sendable {
        var connection: Int
        var mailFrom: String
        var recipients: [String]
        var data: [UInt8]
        /// When the end of DATA arrived (for pacing checks).
        var receivedAt = Date()
    }

    let port: UInt16
    private let listenFD: Int32
    private let credentials: (user: String, password: String)?
    let script: SessionScript

    /// What the connection threads share.
    private struct State {
        var scripts: [String: [Outcome]]
        var connections = 0
        var messages: [Received] = []
        var commands: [(connection: Int, line: String)] = []
        var early: [(connection: Int, line: String)] = []
        var clientFDs: Set<Int32> = []
        var stopped = false
    }

    private let state: Mutex<State>

    /// Connections accepted so far.
    var connectionCount: Int { state.withLock { $0.connections } }
    /// Messages accepted with 250 after DATA (refused ones are not kept).
    var messages: [Received] { state.withLock { $0.messages } }
    /// Every command line received, with its connection number.
    var commands: [(connection: Int, line: String)] { state.withLock { $0.commands } }
    /// Commands that arrived with more bytes behind them, i.e. before their reply was written: the pipelined
    /// MAIL FROM and RCPT TO of a group, or a client sending ahead (a DATA followed by data before the 354).
    var early: [(connection: Int, line: String)] { state.withLock { $0.early } }

    /// Listens on 127.0.0.1 with a port chosen by the kernel.
    init(
        scripts: [String: [Outcome]] = [:], credentials: (user: String, password: String)? = nil,
        session: SessionScript = SessionScript()
    ) throws {
        self.state = Mutex(State(scripts: scripts))
        self.credentials = credentials
        self.script = session
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.listenFD = fd
        self.port = UInt16(bigEndian: addr.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// `smtp://127.0.0.1:PORT`
    var url: String { "smtp://127.0.0.1:\(port)" }

    /// Stops accepting and closes every open connection.
    func stop() {
        let fds: Set<Int32> = state.withLock {
            $0.stopped = true
            return $0.clientFDs
        }
        shutdown(listenFD, Int32(SHUT_RDWR))
        for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Closes every open connection (a relay ending idle sessions) and waits until their threads are done; new
    /// connections are still accepted.
    func dropConnections() {
        for fd in state.withLock({ $0.clientFDs }) { shutdown(fd, Int32(SHUT_RDWR)) }
        _ = eventually(timeout: 10, every: 0.01) { state.withLock { $0.clientFDs.isEmpty } }
    }

    deinit {
        stop()
        close(listenFD)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listenFD, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let number: Int? = state.withLock { s in
                if s.stopped { return nil }
                s.connections += 1
                s.clientFDs.insert(client)
                return s.connections
            }
            guard let number else {
                close(client)
                return
            }
            let thread = Thread { [self] in
                var session = Session(fd: client, number: number, server: self)
                session.run()
                state.withLock { _ = $0.clientFDs.remove(client) }
                close(client)
            }
            thread.start()
        }
    }

    /// The outcome for the next transaction naming `recipient` (consumes it unless it is the last).
    fileprivate func nextOutcome(for recipient: String) -> Outcome {
        state.withLock { s in
            guard var script = s.scripts[recipient.lowercased()], let first = script.first else { return .accept }
            if script.count > 1 {
                script.removeFirst()
                s.scripts[recipient.lowercased()] = script
            }
            return first
        }
    }

    fileprivate func log(_ connection: Int, _ line: String, early: Bool) {
        state.withLock {
            $0.commands.append((connection, line))
            if early { $0.early.append((connection, line)) }
        }
    }

    fileprivate func store(_ message: Received) {
        state.withLock { $0.messages.append(message) }
    }

    fileprivate var authRequired: (user: String, password: String)? { credentials }

    /// One SMTP session: a line reader over the socket and the command loop.
    private struct Session {
        let fd: Int32
        let number: Int
        let server: TestSMTPServer
        var buffer: [UInt8] = []

        init(fd: Int32, number: Int, server: TestSMTPServer) {
            self.fd = fd
            self.number = number
            self.server = server
        }

        /// Next line with its CRLF removed; nil at end of stream.
        mutating func readLine() -> [UInt8]? {
            while true {
                if let lf = buffer.firstIndex(of: 0x0A) {
                    var line = Array(buffer[..<lf])
                    buffer.removeSubrange(...lf)
                    if line.last == 0x0D { line.removeLast() }
                    return line
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
                if n <= 0 { return nil }
                buffer += chunk[0..<n]
            }
        }

        func write(_ text: String) {
            let bytes = Array((text + "\r\n").utf8)
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
        }

        /// A reply whose text may span lines (`\n`): `code-` on all but the last line.
        func writeReply(_ code: Int, _ text: String) {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            write(
                lines.enumerated().map { "\(code)\($0.offset == lines.count - 1 ? " " : "-")\($0.element)" }
                    .joined(separator: "\r\n"))
        }

        func drop() {
            shutdown(fd, Int32(SHUT_RDWR))
        }

        static func base64(_ s: some StringProtocol) -> String? {
            Data(base64Encoded: String(s)).map { String(decoding: $0, as: UTF8.self) }
        }

        /// Reads and discards until the client closes: a server that stopped answering.
        mutating func hang() {
            while readLine() != nil {}
        }

        /// Relays raw bytes both ways between the client and a TLS server on loopback `port`, until either closes.
        func splice(toPort port: UInt16) {
            guard let upstream = LocalServers.connectLoopback(port: Int(port)) else { return }
            defer { close(upstream) }
            if !buffer.isEmpty {
                _ = buffer.withUnsafeBytes { send(upstream, $0.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) }
            }
            var fds = [
                pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: upstream, events: Int16(POLLIN), revents: 0),
            ]
            var chunk = [UInt8](repeating: 0, count: 16384)
            while poll(&fds, 2, 30_000) > 0 {
                for (i, p) in fds.enumerated() where p.revents != 0 {
                    let from = p.fd
                    let to = i == 0 ? upstream : fd
                    let n = chunk.withUnsafeMutableBytes { recv(from, $0.baseAddress, 16384, 0) }
                    if n <= 0 { return }
                    _ = chunk.withUnsafeBytes { send(to, $0.baseAddress, n, Int32(MSG_NOSIGNAL)) }
                }
            }
        }

        mutating func run() {
            if let greeting = server.script.greeting {
                writeReply(greeting.code, greeting.text)
                return
            }
            write("220 test.invalid ESMTP scripted")
            var mailFrom: String?
            var recipients: [String] = []
            var outcome = Outcome.accept
            var authenticated = server.authRequired == nil
            while let raw = readLine() {
                let line = String(decoding: raw, as: UTF8.self)
                server.log(number, line, early: !buffer.isEmpty)
                let upper = line.uppercased()
                if (upper.hasPrefix("EHLO") || upper.hasPrefix("HELO")), let reply = server.script.ehlo {
                    writeReply(reply.code, reply.text)
                    if reply.code == 421 { return }
                } else if upper.hasPrefix("EHLO") {
                    var lines = ["250-test.invalid", "250-8BITMIME", "250-SIZE 10240000"]
                    if server.script.offerPipelining { lines.append("250-PIPELINING") }
                    if server.authRequired != nil && server.script.offerAuth { lines.append("250-AUTH PLAIN LOGIN") }
                    if server.script.starttlsPort != nil { lines.append("250-STARTTLS") }
                    lines.append("250 ENHANCEDSTATUSCODES")
                    write(lines.joined(separator: "\r\n"))
                } else if upper.hasPrefix("HELO") {
                    write("250 test.invalid")
                } else if upper == "STARTTLS", let port = server.script.starttlsPort {
                    write("220 2.0.0 Ready to start TLS")
                    splice(toPort: port)
                    return
                } else if upper.hasPrefix("AUTH PLAIN") {
                    var encoded = String(line.dropFirst("AUTH PLAIN".count)).trimmingCharacters(in: .whitespaces)
                    if encoded.isEmpty {
                        write("334 ")
                        guard let next = readLine() else { return }
                        encoded = String(decoding: next, as: UTF8.self)
                    }
                    let parts = (Self.base64(encoded) ?? "").split(separator: "\0", omittingEmptySubsequences: false)
                    authenticated = parts.count == 3 && checkCredentials(String(parts[1]), String(parts[2]))
                    write(authenticated ? "235 2.7.0 Authentication successful" : "535 5.7.8 Bad credentials")
                } else if upper.hasPrefix("AUTH LOGIN") {
                    var user = String(line.dropFirst("AUTH LOGIN".count)).trimmingCharacters(in: .whitespaces)
                    if user.isEmpty {
                        write("334 VXNlcm5hbWU6")
                        guard let next = readLine() else { return }
                        user = String(decoding: next, as: UTF8.self)
                    }
                    write("334 UGFzc3dvcmQ6")
                    guard let password = readLine() else { return }
                    authenticated = checkCredentials(
                        Self.base64(user) ?? "", Self.base64(String(decoding: password, as: UTF8.self)) ?? "")
                    write(authenticated ? "235 2.7.0 Authentication successful" : "535 5.7.8 Bad credentials")
                } else if upper.hasPrefix("MAIL FROM:") {
                    guard authenticated else {
                        write("530 5.7.0 Authentication required")
                        continue
                    }
                    if let reply = server.script.mailFrom {
                        writeReply(reply.code, reply.text)
                        if reply.code == 421 { return }
                        continue
                    }
                    mailFrom = Self.pathArgument(line)
                    recipients = []
                    outcome = .accept
                    write("250 2.1.0 Ok")
                } else if upper.hasPrefix("RCPT TO:") {
                    guard mailFrom != nil else {
                        write("503 5.5.1 Error: need MAIL command")
                        continue
                    }
                    let recipient = Self.pathArgument(line)
                    let next = server.nextOutcome(for: recipient)
                    switch next {
                    case .reply(.rcpt, let code, let text):
                        writeReply(code, text)
                        // 421 announces that the server closes the channel (RFC 5321 §3.8).
                        if code == 421 {
                            drop()
                            return
                        }
                        continue
                    case .drop(.rcpt):
                        drop()
                        return
                    case .silent(.rcpt):
                        hang()
                        return
                    default:
                        outcome = next
                        recipients.append(recipient)
                        write("250 2.1.5 Ok")
                    }
                } else if upper == "DATA" {
                    guard let from = mailFrom, !recipients.isEmpty else {
                        write("554 5.5.1 Error: no valid recipients")
                        continue
                    }
                    if case .reply(.data, let code, let text) = outcome {
                        writeReply(code, text)
                        if code == 421 {
                            drop()
                            return
                        }
                        continue
                    }
                    write("354 End data with <CR><LF>.<CR><LF>")
                    var data: [UInt8] = []
                    var terminated = false
                    while let dataLine = readLine() {
                        if dataLine == [UInt8(ascii: ".")] {
                            terminated = true
                            break
                        }
                        // Dot-unstuffing (RFC 5321 §4.5.2).
                        let unstuffed = dataLine.first == UInt8(ascii: ".") ? Array(dataLine.dropFirst()) : dataLine
                        data += unstuffed + [0x0D, 0x0A]
                    }
                    guard terminated else { return }
                    switch outcome {
                    case .reply(.endOfData, let code, let text):
                        writeReply(code, text)
                        if code == 421 {
                            drop()
                            return
                        }
                    case .drop(.endOfData):
                        drop()
                        return
                    case .silent(.endOfData):
                        hang()
                        return
                    default:
                        server.store(Received(connection: number, mailFrom: from, recipients: recipients, data: data))
                        write("250 2.0.0 Ok: queued as T\(number)")
                    }
                    mailFrom = nil
                    recipients = []
                } else if upper == "RSET" {
                    mailFrom = nil
                    recipients = []
                    write("250 2.0.0 Ok")
                } else if upper == "NOOP" {
                    write("250 2.0.0 Ok")
                } else if upper == "QUIT" {
                    if !server.script.answerQuit {
                        hang()
                        return
                    }
                    write("221 2.0.0 Bye")
                    return
                } else {
                    write("502 5.5.2 Error: command not recognized")
                }
            }
        }

        func checkCredentials(_ user: String, _ password: String) -> Bool {
            guard let expected = server.authRequired else { return true }
            return user == expected.user && password == expected.password
        }

        /// `MAIL FROM:<a@b> SIZE=12` → `a@b`.
        static func pathArgument(_ line: String) -> String {
            guard let colon = line.firstIndex(of: ":") else { return "" }
            var rest = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if let space = rest.firstIndex(of: " ") { rest = String(rest[..<space]) }
            return rest.trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
        }
    }
}
