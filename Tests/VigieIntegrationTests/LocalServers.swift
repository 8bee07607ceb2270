import Foundation
import Testing

/// The servers started by `deploy/local/servers.sh`, found through the same environment variables and defaults.
enum LocalServers {
    struct NotRunning: Error, CustomStringConvertible {
        var description: String
    }

    struct CommandFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// The repository root, found from this file's path (Tests/VigieIntegrationTests/LocalServers.swift).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static var host: String { "127.0.0.1" }
    static var imapPort: Int { Int(environment["VIGIE_IMAP_PORT"] ?? "") ?? 10143 }
    static var imapsPort: Int { Int(environment["VIGIE_IMAPS_PORT"] ?? "") ?? 10993 }
    static var smtpPort: Int { Int(environment["VIGIE_SMTP_PORT"] ?? "") ?? 10025 }
    static var localDir: String {
        environment["VIGIE_LOCAL_DIR"] ?? repoRoot.appendingPathComponent("var/local").path
    }
    static var dovecotConf: String { environment["VIGIE_DOVECOT_CONF"] ?? localDir + "/dovecot/dovecot.conf" }
    /// The self-signed certificate Dovecot presents, usable as a CA file.
    static var tlsCA: String { environment["VIGIE_TLS_CA"] ?? localDir + "/tls/cert.pem" }
    static let password = "secret"

    /// A user nobody else uses: each test gets an empty mailbox tree of its own.
    static func uniqueUser() -> String {
        "t-" + UUID().uuidString.prefix(8).lowercased()
    }

    /// Throws (so the test fails) unless Dovecot answers on both IMAP ports.
    static func requireIMAP() throws {
        for port in [imapPort, imapsPort] where !acceptsConnections(port: port) {
            throw NotRunning(
                description: """
                    no IMAP server on \(host):\(port): run `deploy/local/servers.sh start` \
                    (and `eval "$(deploy/local/servers.sh env)"` if you changed the ports)
                    """)
        }
        guard FileManager.default.fileExists(atPath: dovecotConf) else {
            throw NotRunning(description: "no Dovecot config at \(dovecotConf): run `deploy/local/servers.sh start`")
        }
    }

    /// A loopback TCP connect, to tell "server down" from a real failure.
    static func acceptsConnections(port: Int) -> Bool {
        guard let fd = connectLoopback(port: port) else { return false }
        close(fd)
        return true
    }

    /// A socket connected to 127.0.0.1:`port` (the caller closes it), or nil.
    static func connectLoopback(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if r == 0 { return fd }
        close(fd)
        return nil
    }

    /// A loopback port nothing listens on (bound then released).
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = bind(fd, $0, len)
                return getsockname(fd, $0, &len)
            }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// A loopback socket that listens but never accepts nor answers: a server that hangs.
    final class SilentListener {
        let fd: Int32
        let port: Int

        init() throws {
            (fd, port) = try LocalServers.listenOnLoopback()
        }

        func close() { _ = Glibc.close(fd) }
    }

    /// A listening socket on a free loopback port: its descriptor and port.
    static func listenOnLoopback() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard fd >= 0, ok else { throw CommandFailed(description: "cannot listen on loopback: errno \(errno)") }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// Delivers messages with `deploy/local/deliver.sh` (one `doveadm save` each, in order: UIDs 1, 2, …).
    static func deliver(_ messages: [[UInt8]], to user: String, mailbox: String = "INBOX") throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigie-deliver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (i, bytes) in messages.enumerated() {
            let url = dir.appendingPathComponent(String(format: "%05d.eml", i))
            try Data(bytes).write(to: url)
            paths.append(url.path)
        }
        try run(script: "deploy/local/deliver.sh", [user, mailbox] + paths)
    }

    /// Writes a whole directory of messages straight into the maildir (`deliver.sh --bulk`).
    static func deliverBulk(directory: URL, to user: String, mailbox: String = "INBOX") throws {
        try run(script: "deploy/local/deliver.sh", ["--bulk", user, mailbox, directory.path])
    }

    /// `doveadm -c <private conf> args…`, returning its standard output.
    @discardableResult
    static func doveadm(_ arguments: [String]) throws -> String {
        try run(executable: "/usr/bin/doveadm", ["-c", dovecotConf] + arguments)
    }

    /// The flags of each message of a mailbox, as Dovecot itself reports them.
    static func flags(of user: String, mailbox: String = "INBOX") throws -> [UInt32: Set<String>] {
        let out = try doveadm(["fetch", "-u", user, "uid flags", "mailbox", mailbox, "all"])
        var result: [UInt32: Set<String>] = [:]
        var uid: UInt32?
        for line in out.split(separator: "\n") {
            if line.hasPrefix("uid: ") {
                uid = UInt32(line.dropFirst(5).trimmingCharacters(in: .whitespaces))
            } else if line.hasPrefix("flags:"), let u = uid {
                result[u] = Set(line.dropFirst(6).split(separator: " ").map(String.init))
            }
        }
        return result
    }

    /// Number of messages in a mailbox according to Dovecot (nil when the mailbox does not exist).
    static func messageCount(of user: String, mailbox: String) throws -> Int? {
        guard let out = try? doveadm(["-f", "flow", "mailbox", "status", "-u", user, "messages", mailbox]) else {
            return nil
        }
        // "messages=3"
        return out.split(separator: "=").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    @discardableResult
    static func run(script: String, _ arguments: [String]) throws -> String {
        try run(executable: "/bin/bash", [repoRoot.appendingPathComponent(script).path] + arguments)
    }

    @discardableResult
    static func run(executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = environment
        env["VIGIE_DOVECOT_CONF"] = dovecotConf
        env["VIGIE_LOCAL_DIR"] = localDir
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandFailed(
                description: """
                    \(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \
                    \(String(decoding: errData, as: UTF8.self))
                    """)
        }
        return String(decoding: outData, as: UTF8.self)
    }
}

extension LocalServers {
    /// Where smtp-sink dumps messages when started with `VIGIE_SINK_DUMP=1`.
    static var sinkDir: String { environment["VIGIE_SINK_DIR"] ?? localDir + "/sink" }

    /// Throws unless the local smtp-sink answers and dumps what it receives.
    static func requireSMTPSinkDump() throws {
        guard acceptsConnections(port: smtpPort) else {
            throw NotRunning(
                description: "no smtp-sink on \(host):\(smtpPort): run `VIGIE_SINK_DUMP=1 "
                    + "deploy/local/servers.sh start`")
        }
        guard FileManager.default.fileExists(atPath: sinkDir + "/.dumping") else {
            throw NotRunning(
                description: "smtp-sink does not dump messages: restart it with `VIGIE_SINK_DUMP=1 "
                    + "deploy/local/servers.sh restart`")
        }
    }
}
