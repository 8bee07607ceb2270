import Foundation
import Testing
import VigieCore
import VigieMail

/// Implicit TLS (`smtps://`) and certificate checking, against `openssl s_server` replaying a canned SMTP dialogue.
@Suite struct SMTPTLSTests {
    static let openssl = "/usr/bin/openssl"

    /// A throw-away self-signed certificate for 127.0.0.1, and an `openssl s_server` answering with it.
    final class TLSServer {
        let directory: URL
        let port: UInt16
        let process = Process()
        let input = Pipe()

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigie-tls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Self.run(
                SMTPTLSTests.openssl,
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", directory.appendingPathComponent("key.pem").path,
                    "-out", directory.appendingPathComponent("cert.pem").path,
                ])
            port = UInt16(LocalServers.closedPort())
            process.executableURL = URL(fileURLWithPath: SMTPTLSTests.openssl)
            process.arguments = [
                "s_server", "-accept", "127.0.0.1:\(port)", "-quiet",
                "-cert", directory.appendingPathComponent("cert.pem").path,
                "-key", directory.appendingPathComponent("key.pem").path,
            ]
            _ = FileManager.default.createFile(atPath: transcriptPath, contents: nil)
            process.standardInput = input
            process.standardOutput = FileHandle(forWritingAtPath: transcriptPath)
            process.standardError = FileHandle.nullDevice
            try process.run()
            try waitUntilListening()
        }

        var certificatePath: String { directory.appendingPathComponent("cert.pem").path }
        var transcriptPath: String { directory.appendingPathComponent("transcript.txt").path }

        /// What the client sent after the handshake (s_server prints the decrypted stream).
        var transcript: String { (try? String(contentsOfFile: transcriptPath, encoding: .utf8)) ?? "" }

        /// Queues server lines; SMTP without pipelining reads them one reply at a time.
        func reply(_ lines: [String]) {
            input.fileHandleForWriting.write(Data(lines.map { $0 + "\r\n" }.joined().utf8))
        }

        static func run(_ tool: String, _ arguments: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = arguments
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw POSIXError(.EIO) }
        }

        /// Waits for the port to be in LISTEN state without connecting: s_server would spend its session (and the
        /// queued replies) on a probe connection.
        private func waitUntilListening() throws {
            let local = String(format: "0100007F:%04X", port)
            let listening = eventually(timeout: 5, every: 0.05) {
                let table = (try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? ""
                return table.split(separator: "\n").contains {
                    let fields = $0.split(separator: " ")
                    return fields.count > 3 && fields[1] == local && fields[3] == "0A"
                }
            }
            if !listening { throw POSIXError(.ECONNREFUSED) }
        }

        func stop() {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(at: directory)
        }
    }

    static let message = Array("Subject: tls\r\n\r\nchiffré\r\n".utf8)

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: openssl), "needs openssl"))
    func selfSignedCertificateIsRefusedByDefault() throws {
        let server = try TLSServer()
        defer { server.stop() }
        let transport = CurlSMTPTransport(
            settings: SMTPEndpoint(url: "smtps://127.0.0.1:\(server.port)", timeoutSeconds: 10))
        let reply = transport.send(from: "b@vigie.test", to: "a@example.org", message: Self.message)
        #expect(reply.code == 0)
        #expect(reply.failure == .untrustedCertificate)
        #expect(RelayFault(reply: reply)?.isTransient == false)
        #expect(!reply.isAccepted)
        #expect(!server.transcript.contains("MAIL FROM"))
    }

    /// The relay's replies are given step by step, as a relay would: what libcurl's connect phase reads ahead of
    /// EHLO's reply would be lost to the transaction, and a client sending ahead without PIPELINING shows.
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: openssl), "needs openssl"), arguments: [false, true])
    func trustedCertificateCarriesTheMessageOverImplicitTLS(pipelining: Bool) throws {
        let server = try TLSServer()
        defer { server.stop() }
        server.reply(
            ["220 tls.test ESMTP", "250-tls.test"] + (pipelining ? ["250-PIPELINING"] : []) + ["250 8BITMIME"])
        let transport = CurlSMTPTransport(
            settings: SMTPEndpoint(
                url: "smtps://127.0.0.1:\(server.port)", caFile: server.certificatePath, timeoutSeconds: 10,
                heloName: "vigie.test"))
        let send = BackgroundSend(transport, message: Self.message)
        let envelope = "EHLO vigie.test\r\nMAIL FROM:<b@vigie.test>\r\nRCPT TO:<a@example.org>\r\nDATA\r\n"
        #expect(
            eventually(timeout: 10, every: 0.02) { server.transcript.contains(pipelining ? envelope : "MAIL FROM") })
        if pipelining {
            #expect(!server.transcript.contains("Subject: tls"), "the data went out before the 354")
        } else {
            #expect(!server.transcript.contains("RCPT TO"), "RCPT TO went out before the reply to MAIL FROM")
        }
        server.reply(["250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>"])
        #expect(eventually(timeout: 10, every: 0.02) { server.transcript.contains("\r\n.\r\n") })
        server.reply(["250 2.0.0 Ok: queued over TLS", "221 2.0.0 Bye"])
        let reply = try #require(send.wait())
        #expect(reply.isAccepted, "\(reply)")
        #expect(reply.text == "250 2.0.0 Ok: queued over TLS")
        let transcript = server.transcript
        #expect(transcript.contains(envelope))
        #expect(transcript.contains("Subject: tls\r\n\r\nchiffré\r\n.\r\n"))
    }
}
