import Foundation
import Testing
import VigieCore
import VigieMail

/// Interop with a real SMTP implementation: Postfix's smtp-sink, started on a free loopback port for the test.
@Suite struct SMTPSinkInteropTests {
    static let sinkPath = "/usr/sbin/smtp-sink"

    /// A running smtp-sink dumping each transaction to a file in a fresh directory; killed by `stop()`.
    final class Sink {
        let process = Process()
        let port: UInt16
        let dumpDirectory: URL

        init() throws {
            dumpDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "vigie-sink-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dumpDirectory, withIntermediateDirectories: true)
            // smtp-sink drops root privileges to `nobody`, which must be able to write the dumps.
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dumpDirectory.path)
            port = UInt16(LocalServers.closedPort())
            process.executableURL = URL(fileURLWithPath: SMTPSinkInteropTests.sinkPath)
            var arguments = ["-d", dumpDirectory.path + "/msg."]
            if getuid() == 0 { arguments = ["-u", "nobody"] + arguments }
            process.arguments = arguments + ["127.0.0.1:\(port)", "64"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try waitUntilListening()
        }

        private func waitUntilListening() throws {
            var connected = false
            _ = eventually(timeout: 5, every: 0.05) {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var addr = sockaddr_in()
                addr.sin_family = sa_family_t(AF_INET)
                addr.sin_port = port.bigEndian
                addr.sin_addr.s_addr = inet_addr("127.0.0.1")
                connected = withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                    }
                }
                close(fd)
                return connected || !process.isRunning
            }
            if !connected { throw POSIXError(.ECONNREFUSED) }
        }

        /// The dump files, each one transaction.
        func dumps() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: dumpDirectory.path)
                .map { try String(contentsOf: dumpDirectory.appendingPathComponent($0), encoding: .utf8) }
        }

        func stop() {
            // smtp-sink ignores SIGTERM: kill it outright.
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(at: dumpDirectory)
        }
    }

    /// smtp-sink answers AUTH with a bare 250, which is no SASL success: libcurl refuses it, and so must we.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: sinkPath), "needs Postfix's smtp-sink"))
    func authAnsweredWith250IsNotTakenForDelivery() throws {
        let sink = try Sink()
        defer { sink.stop() }
        let transport = CurlSMTPTransport(
            settings: SMTPEndpoint(
                url: "smtp://127.0.0.1:\(sink.port)", user: "vigie", password: "secret", authMechanism: .plain,
                timeoutSeconds: 10))
        let reply = transport.send(
            from: "b@vigie.test", to: "a@example.org", message: Array("Subject: x\r\n\r\nx\r\n".utf8))
        #expect(!reply.isAccepted)
        #expect(reply.code == 0)
        #expect(reply.failure == .authentication)
        #expect(reply.text.contains("250 2.0.0 Ok"))
        #expect(RelayFault(reply: reply)?.isTransient == false)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: sinkPath), "needs Postfix's smtp-sink"))
    func sendsOverOneReusedConnectionToSmtpSink() throws {
        let sink = try Sink()
        defer { sink.stop() }
        let transport = CurlSMTPTransport(
            settings: SMTPEndpoint(
                url: "smtp://127.0.0.1:\(sink.port)", timeoutSeconds: 10, heloName: "vigie.test"))
        var sent: [[UInt8]] = []
        for i in 1...5 {
            let recipient = "abonne\(i)@example.org"
            let message = CurlSMTPTransportTests.newsletter(to: recipient, number: i)
            let reply = transport.send(from: "bounces+tok\(i)@vigie.test", to: recipient, message: message)
            #expect(reply.code == 250, "\(reply)")
            #expect(reply.isAccepted)
            #expect(reply.text.hasPrefix("250 2.0.0"))
            sent.append(message)
        }
        #expect(transport.connectionsOpened == 1)
        // smtp-sink writes the dump when the transaction ends; give it a moment.
        var dumps: [String] = []
        _ = try eventually(timeout: 2.5, every: 0.05) {
            dumps = try sink.dumps()
            return dumps.count == 5
        }
        #expect(dumps.count == 5)
        for (i, message) in sent.enumerated() {
            // smtp-sink stores lines with LF endings; the composed message has no line starting with ".".
            let body = String(decoding: message, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            let matching = dumps.filter { $0.contains("X-Rcpt-Args: <abonne\(i + 1)@example.org>") }
            #expect(matching.count == 1)
            #expect(matching.first?.contains("X-Mail-Args: <bounces+tok\(i + 1)@vigie.test>") == true)
            #expect(matching.first?.contains(body) == true)
        }
    }
}
