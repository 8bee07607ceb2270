import Foundation
import Logging
import Testing
import VigieCore
import VigieMail

/// Fetch throughput against the local Dovecot: 10,000 messages of ~4 KB in batches of 500 UIDs.
/// Opt-in (`VIGIE_BENCH=1`) because it writes 40 MB of mail; compare with deploy/local/bench-imaplib.py on a
/// mailbox kept with `VIGIE_BENCH_KEEP=1`.
@Suite("IMAP fetch benchmark", .enabled(if: ProcessInfo.processInfo.environment["VIGIE_BENCH"] == "1"))
struct IMAPFetchBenchmark {
    @Test func fetch10kMessagesInBatchesOf500() throws {
        try LocalServers.requireIMAP()
        let count = Int(ProcessInfo.processInfo.environment["VIGIE_BENCH_COUNT"] ?? "") ?? 10_000
        let user = "bench-" + UUID().uuidString.prefix(8).lowercased()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigie-bench-\(user)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var totalBytes = 0
        for n in 1...count {
            var text = "From: citoyen\(n)@example.org\r\nTo: signalements@vigie.test\r\n"
            text += "Subject: Signalement \(n)\r\nMessage-ID: <bench-\(n)@example.org>\r\n\r\n"
            while text.utf8.count < 4000 { text += "Propos signalé sur https://example.org/post/\(n) — à vérifier.\r\n" }
            totalBytes += text.utf8.count
            try Data(text.utf8).write(to: dir.appendingPathComponent(String(format: "%05d.eml", n)))
        }
        let deliverStart = Date()
        try LocalServers.deliverBulk(directory: dir, to: user)
        let deliverTime = Date().timeIntervalSince(deliverStart)

        let endpoint = IMAPEndpoint(host: LocalServers.host, port: LocalServers.imapPort, security: .plain,
                                    user: user, password: LocalServers.password)
        let session = try IMAPSession(endpoint: endpoint, logger: Logger(label: "bench"))
        defer { session.logout() }
        let selectStart = Date()
        let status = try session.select("INBOX")
        let uids = try session.uids(from: 1)
        let selectTime = Date().timeIntervalSince(selectStart)
        #expect(status.messageCount == count)
        #expect(uids.count == count)

        // Pass 1 meets Dovecot's cold caches (first read of a fresh maildir); pass 2 is the client's own speed.
        for pass in 1...2 {
            let fetchStart = Date()
            var fetched = 0
            var bytes = 0
            var index = 0
            while index < uids.count {
                let batch = Array(uids[index..<min(index + 500, uids.count)])
                let messages = try session.fetchFull(batch)
                fetched += messages.count
                bytes += messages.reduce(0) { $0 + $1.raw.count }
                index += 500
            }
            let fetchTime = Date().timeIntervalSince(fetchStart)
            #expect(fetched == count)
            #expect(bytes == totalBytes)
            print(String(format: "BENCH pass=%d user=%@ messages=%d bytes=%d deliver(bulk)=%.2fs "
                         + "select+search=%.2fs fetch=%.2fs (%.0f msg/s, %.1f MB/s)",
                         pass, user, fetched, bytes, deliverTime, selectTime, fetchTime,
                         Double(fetched) / fetchTime, Double(bytes) / fetchTime / 1_000_000))
        }
        if ProcessInfo.processInfo.environment["VIGIE_BENCH_KEEP"] != "1" {
            try? FileManager.default.removeItem(atPath: LocalServers.localDir + "/mail/" + user)
        }
    }
}
