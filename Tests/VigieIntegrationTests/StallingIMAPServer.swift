import Foundation
import Synchronization

/// A loopback IMAP server that answers like a real one until a chosen moment, then goes silent (the connection stays
/// open): a server stalled by load, a dropped NAT mapping or a firewall.
final class StallingIMAPServer: Sendable {
    /// Where the server stops answering.
    enum StallPoint: Sendable {
        /// Accepts the connection, never greets.
        case greeting
        /// Logs in, then never answers SELECT.
        case select
        /// Starts the literal of a FETCH BODY[], then stops in the middle of the message.
        case midFetch
        /// Answers everything (an empty INBOX) except LOGOUT.
        case logout
    }

    let port: Int
    private let listener: Int32
    private let stall: StallPoint
    private let clients = Mutex<[Int32]>([])

    init(stallAt stall: StallPoint) throws {
        self.stall = stall
        (listener, port) = try LocalServers.listenOnLoopback()
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Closes the listener and every connection.
    func close() {
        shutdown(listener, Int32(SHUT_RDWR))
        _ = Glibc.close(listener)
        clients.withLock {
            for c in $0 { shutdown(c, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while true {
            let c = accept(listener, nil, nil)
            if c < 0 { return }
            clients.withLock { $0.append(c) }
            Thread { [self] in serve(c) }.start()
        }
    }

    private func send(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    private func serve(_ fd: Int32) {
        defer { _ = Glibc.close(fd) }
        if stall == .greeting { return waitForClose(fd) }
        send(fd, "* OK [CAPABILITY IMAP4rev1 IDLE] stalling test server ready\r\n")
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return }
            pending += buffer[0..<n]
            while let nl = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<nl], as: UTF8.self).trimmingCharacters(
                    in: .whitespacesAndNewlines)
                pending.removeSubrange(...nl)
                let words = line.split(separator: " ").map(String.init)
                guard words.count >= 2 else { continue }
                let tag = words[0]
                let command = words[1].uppercased()
                let sub = words.count > 2 ? words[2].uppercased() : ""
                switch (command, sub) {
                case ("LOGIN", _):
                    send(fd, "\(tag) OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS MOVE] logged in\r\n")
                case ("CAPABILITY", _):
                    send(fd, "* CAPABILITY IMAP4rev1 IDLE UIDPLUS MOVE\r\n\(tag) OK done\r\n")
                case ("SELECT", _):
                    if stall == .select { return waitForClose(fd) }
                    let exists = stall == .midFetch ? 1 : 0
                    send(
                        fd,
                        "* \(exists) EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n"
                            + "\(tag) OK [READ-WRITE] selected\r\n")
                case ("UID", "SEARCH"):
                    send(fd, "* SEARCH 1\r\n\(tag) OK done\r\n")
                case ("UID", "FETCH") where line.uppercased().contains("BODY"):
                    send(fd, "* 1 FETCH (UID 1 BODY[] {5000}\r\nFrom: a@exemple.fr\r\nSubject: stalled\r\n")
                    return waitForClose(fd)
                case ("UID", "FETCH"):
                    send(fd, "* 1 FETCH (UID 1 RFC822.SIZE 5000)\r\n\(tag) OK done\r\n")
                case ("LOGOUT", _):
                    if stall == .logout { return waitForClose(fd) }
                    send(fd, "* BYE bye\r\n\(tag) OK done\r\n")
                    return
                default:
                    send(fd, "\(tag) OK done\r\n")
                }
            }
        }
    }

    /// Says nothing more; returns when the client goes away (or the server is closed).
    private func waitForClose(_ fd: Int32) {
        var byte: UInt8 = 0
        while recv(fd, &byte, 1, 0) > 0 {}
    }
}
