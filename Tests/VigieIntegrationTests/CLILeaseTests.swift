import Foundation
import Testing
import VigieCore
import VigieStore

/// A `vigie` process running in the background, its output captured to files (no pipe can fill up).
final class BackgroundVigie {
    let process: Process
    let out: String
    let err: String

    init(_ arguments: [String], config: String, environment: [String: String] = [:]) throws {
        process = try VigieCLI.start(arguments, config: config, environment: environment)
        let base = NSTemporaryDirectory() + "vigie-bg-" + UUID().uuidString
        out = base + ".out"
        err = base + ".err"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Waits for the exit; returns the status and both streams.
    func wait() -> VigieCLI.Result {
        process.waitUntilExit()
        let o = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let e = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: out)
        try? FileManager.default.removeItem(atPath: err)
        return VigieCLI.Result(status: process.terminationStatus, stdout: o, stderr: e)
    }

    /// Standard error so far.
    var stderrSoFar: String { (try? String(contentsOfFile: err, encoding: .utf8)) ?? "" }
}

/// Messages per recipient.
func recipientCounts(_ recipients: [String]) -> [String: Int] {
    recipients.reduce(into: [:]) { $0[$1, default: 0] += 1 }
}

/// One runner per job: two processes racing on one database, against the real Dovecot, smtp-sink and SMTP server.
@Suite(.serialized) struct CLILeaseTests {
    static let busy: Int32 = 75

    /// Two sends of one edition started together: one sends, the other refuses with one line naming the holder;
    /// every subscriber gets exactly one message (counted in smtp-sink's dumps).
    @Test func twoSendsStartedTogetherSendEachMessageOnce() throws {
        try LocalServers.requireSMTPSinkDump()
        let domain = "race-\(UUID().uuidString.prefix(8).lowercased()).example"
        let f = try NewsletterFixture(smtpURL: "smtp://127.0.0.1:\(LocalServers.smtpPort)", rate: 150, connections: 3)
        let n = 300
        let subs = try f.subscribe(n, domain: domain)
        let edition = try f.edition(id: "e-race")
        let a = try BackgroundVigie(
            ["newsletter", "send", "--quiet", edition], config: f.config,
            environment: f.environment)
        let b = try BackgroundVigie(
            ["newsletter", "send", "--quiet", edition], config: f.config,
            environment: f.environment)
        let ra = a.wait()
        let rb = b.wait()
        #expect(
            Set([ra.status, rb.status]) == [0, Self.busy], "a: \(ra.status) \(ra.stderr) b: \(rb.status) \(rb.stderr)")
        let (winner, loser) = ra.status == 0 ? (ra, rb) : (rb, ra)
        let winnerPID = ra.status == 0 ? a.pid : b.pid
        let lines = loser.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(loser.stderr)")
        #expect(loser.stderr.contains("job newsletter:e-race is already running: pid \(winnerPID) on "))
        #expect(loser.stderr.contains(" since 20"))
        #expect(loser.stderr.contains("--wait"))
        #expect(!winner.stderr.contains("in flight"))
        #expect(winner.stdout.contains("sent \(n)"))

        var dumps: [SinkDump] = []
        _ = eventually(every: 0.05) {
            dumps = SinkDump.read(LocalServers.sinkDir, domain: domain)
            return dumps.count >= n
        }
        let counts = recipientCounts(dumps.flatMap(\.recipients))
        #expect(Set(counts.keys) == Set(subs), "somebody was skipped")
        #expect(counts.values.filter { $0 > 1 }.isEmpty, "\(counts.values.filter { $0 > 1 }.count) got it twice")
        #expect(dumps.count == n)
    }

    /// A second send with `--wait` while the first runs: it waits, then finds nothing to do — no duplicate, and no
    /// false "in flight at the interruption" line.
    @Test func sendWithWaitWaitsThenFindsNothingToDo() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let f = try NewsletterFixture(smtpURL: server.url, rate: 80, connections: 2)
        let n = 240
        let subs = try f.subscribe(n, domain: "wait.example")
        let edition = try f.edition(id: "e-wait")
        let first = try BackgroundVigie(
            ["newsletter", "send", "--quiet", edition], config: f.config,
            environment: f.environment)
        _ = eventually(timeout: 20, every: 0.005) { server.messages.count >= 40 }
        #expect(first.process.isRunning, "the first send finished before the second started: the test proved nothing")
        let second = try f.run(["newsletter", "send", "--quiet", "--wait", edition])
        #expect(!first.process.isRunning, "the second send did not wait for the first")
        let r1 = first.wait()
        #expect(r1.status == 0, "\(r1.stderr)")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("job newsletter:e-wait is held by pid \(first.pid)"), "\(second.stderr)")
        #expect(second.stderr.contains("already complete, nothing to send"), "\(second.stderr)")
        #expect(!second.stderr.contains("in flight"), "\(second.stderr)")
        #expect(second.stdout.contains("sent \(n), failed 0, deferred 0, pending 0"), "\(second.stdout)")
        let counts = recipientCounts(server.messages.flatMap(\.recipients))
        #expect(Set(counts.keys) == Set(subs))
        #expect(counts.values.allSatisfy { $0 == 1 })
    }

    /// A holder killed with SIGKILL: the next send (same host, pid gone) takes the lease over at once, without
    /// waiting for the expiry, and resumes: nobody skipped, at most one resend per connection.
    @Test func killedHolderIsTakenOverAndResumed() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let connections = 3
        let f = try NewsletterFixture(smtpURL: server.url, rate: 150, connections: connections)
        let subs = try f.subscribe(300, domain: "takeover.example")
        let edition = try f.edition(id: "e-takeover")
        let p = try BackgroundVigie(
            ["newsletter", "send", "--quiet", edition], config: f.config,
            environment: f.environment)
        _ = eventually(timeout: 20, every: 0.005) { server.messages.count >= 60 }
        #expect(p.process.isRunning, "the send finished before the kill: the test proved nothing")
        kill(p.pid, SIGKILL)
        _ = p.wait()
        let store = try Store(path: f.dir + "/var/vigie.sqlite")
        #expect(try store.leaseHolder(job: "newsletter:e-takeover")?.pid == p.pid, "the killed holder left no lease")

        let started = Date()
        let resume = try f.run(["newsletter", "send", "--quiet", edition])
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(resume.stderr.contains("pid \(p.pid) on this host"), "\(resume.stderr)")
        #expect(resume.stderr.contains("is gone; taking its lease over"))
        // Well under the 30 s expiry: the lease was taken over because the process is gone, not because it expired.
        #expect(Date().timeIntervalSince(started) < 25)
        let counts = recipientCounts(server.messages.flatMap(\.recipients))
        #expect(Set(counts.keys) == Set(subs), "somebody was skipped")
        #expect(counts.values.reduce(0) { $0 + ($1 - 1) } <= connections)
        #expect(try store.leaseHolder(job: "newsletter:e-takeover") == nil, "the lease was not released")
    }

    /// Two `poll --once` on one mailbox: one refuses with the holder; the archive gets each message exactly once.
    @Test func twoPollsOnOneMailboxOneRefuses() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        let total = 1500
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigie-polls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for i in 0..<total {
            try Data(reportMail(i, from: "c\(i % 53)@exemple.fr")).write(to: dir.appendingPathComponent("\(i).eml"))
        }
        try LocalServers.deliverBulk(directory: dir, to: user)
        let config = try VigieCLI.initConfig(user: user)
        let a = try BackgroundVigie(["poll", "--once"], config: config)
        let b = try BackgroundVigie(["poll", "--once"], config: config)
        let ra = a.wait()
        let rb = b.wait()
        #expect(
            Set([ra.status, rb.status]) == [0, Self.busy], "a: \(ra.status) \(ra.stderr) b: \(rb.status) \(rb.stderr)")
        let loser = ra.status == 0 ? rb : ra
        let winnerPID = ra.status == 0 ? a.pid : b.pid
        #expect(loser.stderr.split(separator: "\n").count == 1, "\(loser.stderr)")
        #expect(
            loser.stderr.contains(
                "job poll:\(user)@127.0.0.1:\(LocalServers.imapPort)/INBOX is already running: "
                    + "pid \(winnerPID)"),
            "\(loser.stderr)")
        #expect(!loser.stderr.contains("permission"))
        #expect(try LocalServers.messageCount(of: user, mailbox: "Archive") == total)
        #expect(try LocalServers.messageCount(of: user, mailbox: "INBOX") == 0)
        let store = try Store(path: (config as NSString).deletingLastPathComponent + "/var/vigie.sqlite")
        #expect(try store.messageCounts().values.reduce(0, +) == total)
    }

    /// A lease held by a live process of this host (this test) is never taken: `poll --once` refuses, then with
    /// `--wait` runs as soon as it is released.
    @Test func liveHolderIsRespectedAndWaitedFor() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        try LocalServers.deliver([reportMail(1)], to: user)
        let config = try VigieCLI.initConfig(user: user)
        let store = try Store(path: (config as NSString).deletingLastPathComponent + "/var/vigie.sqlite")
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        let job = "poll:\(user)@127.0.0.1:\(LocalServers.imapPort)/INBOX"
        let since = Date()
        #expect(
            try store.acquireLease(
                job: job, token: "test", pid: getpid(), host: String(cString: name), ttl: 300,
                now: since) == .acquired(previous: nil))
        let refused = try VigieCLI.run(["poll", "--once"], config: config)
        #expect(refused.status == Self.busy)
        #expect(refused.stderr.contains("job \(job) is already running: pid \(getpid()) on \(String(cString: name))"))
        #expect(try LocalServers.messageCount(of: user, mailbox: "INBOX") == 1, "the refused poll touched the mailbox")

        let waiting = try BackgroundVigie(["poll", "--once", "--wait"], config: config)
        _ = eventually(timeout: 20, every: 0.02) { waiting.stderrSoFar.contains("waiting") }
        #expect(waiting.process.isRunning)
        #expect(try LocalServers.messageCount(of: user, mailbox: "INBOX") == 1)
        #expect(try store.releaseLease(job: job, token: "test"))
        let r = waiting.wait()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try LocalServers.messageCount(of: user, mailbox: "Archive") == 1)
    }

    /// A running `poll` (IDLE) holds its mailbox: `poll --once` refuses; SIGTERM stops it (143) and frees the mailbox.
    @Test func runningPollerHoldsItsMailboxUntilSIGTERM() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        let config = try VigieCLI.initConfig(user: user)
        let store = try Store(path: (config as NSString).deletingLastPathComponent + "/var/vigie.sqlite")
        let job = "poll:\(user)@127.0.0.1:\(LocalServers.imapPort)/INBOX"
        let poller = try BackgroundVigie(["poll"], config: config)
        _ = try eventually(timeout: 20, every: 0.02) { try store.leaseHolder(job: job) != nil }
        #expect(try store.leaseHolder(job: job)?.pid == poller.pid)
        let refused = try VigieCLI.run(["poll", "--once"], config: config)
        #expect(refused.status == Self.busy, "\(refused.stderr)")
        #expect(refused.stderr.contains("job \(job) is already running: pid \(poller.pid)"), "\(refused.stderr)")
        kill(poller.pid, SIGTERM)
        let r = poller.wait()
        #expect(r.status == 143, "\(r.stderr)")
        #expect(try store.leaseHolder(job: job) == nil, "SIGTERM left the mailbox's lease held")
        #expect(try VigieCLI.run(["poll", "--once"], config: config).status == 0)
    }

    /// A rebuild refuses while another holds `clusters:rebuild`, and SIGTERM during `poll --once` releases the lease.
    @Test func rebuildRefusesWhileHeldAndPollOnceReleasesOnSIGTERM() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigie-term-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for i in 0..<3000 {
            try Data(reportMail(i, from: "c\(i % 31)@exemple.fr")).write(to: dir.appendingPathComponent("\(i).eml"))
        }
        try LocalServers.deliverBulk(directory: dir, to: user)
        let config = try VigieCLI.initConfig(user: user)
        let dbPath = (config as NSString).deletingLastPathComponent + "/var/vigie.sqlite"
        let job = "poll:\(user)@127.0.0.1:\(LocalServers.imapPort)/INBOX"
        let poll = try BackgroundVigie(["poll", "--once"], config: config)
        var store: Store?
        _ = eventually(every: 0.005) {
            guard poll.process.isRunning else { return true }
            if FileManager.default.fileExists(atPath: dbPath), let s = try? Store(path: dbPath),
                (try? s.leaseHolder(job: job)) != nil, let n = try? s.messageCounts().values.reduce(0, +), n > 0
            {
                store = s
                return true
            }
            return false
        }
        #expect(poll.process.isRunning, "the poll finished before SIGTERM: the test proved nothing")
        kill(poll.pid, SIGTERM)
        let r = poll.wait()
        #expect(r.status == 143)
        let s = try store ?? Store(path: dbPath)
        #expect(try s.leaseHolder(job: job) == nil, "SIGTERM left the mailbox's lease held")

        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        _ = try s.acquireLease(
            job: "clusters:rebuild", token: "test", pid: getpid(), host: String(cString: name), ttl: 300)
        let refused = try VigieCLI.run(["clusters", "rebuild"], config: config)
        #expect(refused.status == Self.busy)
        #expect(
            refused.stderr.contains("job clusters:rebuild is already running: pid \(getpid())"), "\(refused.stderr)")
        #expect(try s.releaseLease(job: "clusters:rebuild", token: "test"))
        #expect(try VigieCLI.run(["clusters", "rebuild"], config: config).status == 0)
    }

    /// `clusters rebuild` while `poll` ingests: afterwards the counts equal those of a clean rebuild.
    @Test func rebuildDuringPollKeepsCountsExact() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        let total = 3000
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigie-rebuild-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for i in 0..<total {
            // 400 contents, 120 reporters: many reports per cluster, reporters counted across batches.
            let url = "https://x.com/compte\(i % 7)/status/179000000000\(i % 400)"
            try Data(reportMail(i, from: "c\(i % 120)@exemple.fr", url: url))
                .write(to: dir.appendingPathComponent("\(i).eml"))
        }
        // Half first, so the rebuild has clusters to rebuild; the other half arrives while it runs.
        let config = try VigieCLI.initConfig(user: user)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let later = dir.appendingPathComponent("later")
        try FileManager.default.createDirectory(at: later, withIntermediateDirectories: true)
        for name in names.prefix(total / 2) {
            try FileManager.default.moveItem(
                at: dir.appendingPathComponent(name), to: later.appendingPathComponent(name))
        }
        try LocalServers.deliverBulk(directory: later, to: user)
        #expect(try VigieCLI.run(["poll", "--once"], config: config).status == 0)
        try FileManager.default.removeItem(at: later)
        try LocalServers.deliverBulk(directory: dir, to: user)

        let poll = try BackgroundVigie(["poll", "--once"], config: config)
        var rebuilds = 0
        var duringPoll = 0
        while poll.process.isRunning {
            let r = try VigieCLI.run(["clusters", "rebuild"], config: config)
            #expect(r.status == 0, "\(r.stderr)")
            rebuilds += 1
            if poll.process.isRunning { duringPoll += 1 }
        }
        let pr = poll.wait()
        #expect(pr.status == 0, "\(pr.stderr)")
        #expect(duringPoll >= 1, "no rebuild overlapped the poll: the test proved nothing")

        let raced = try VigieCLI.run(["clusters", "list", "--json", "--limit", "1000"], config: config).stdout
        #expect(try VigieCLI.run(["clusters", "rebuild"], config: config).status == 0)
        let clean = try VigieCLI.run(["clusters", "list", "--json", "--limit", "1000"], config: config).stdout
        func counts(_ json: String) throws -> [String: [Int]] {
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
            var out: [String: [Int]] = [:]
            for r in rows {
                out[r["canonical_url"] as? String ?? "?"] = [r["reports"] as? Int ?? -1, r["reporters"] as? Int ?? -1]
            }
            return out
        }
        let a = try counts(raced)
        let b = try counts(clean)
        #expect(b.count == 400)
        #expect(b.values.map { $0[0] }.reduce(0, +) == total)
        let wrong = b.filter { a[$0.key] != $0.value }.count
        #expect(wrong == 0, "\(wrong) of \(b.count) clusters differ from a clean rebuild (\(rebuilds) rebuilds)")
    }

    /// Subscribers who unsubscribe while an edition is being sent get nothing after their withdrawal.
    @Test func unsubscribeDuringSendStopsTheirMessages() throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let f = try NewsletterFixture(smtpURL: server.url, rate: 20, connections: 1)
        let n = 200
        let subs = try f.subscribe(n, domain: "leave.example")
        let edition = try f.edition(id: "e-leave")
        let send = try BackgroundVigie(
            ["newsletter", "send", "--quiet", edition], config: f.config,
            environment: f.environment)
        _ = eventually(timeout: 20, every: 0.005) { server.messages.count >= 10 }
        // Withdraw every fourth subscriber from the 136th down to the 20th: the farthest first, so that a loaded
        // machine (each command a process start) still withdraws most before their turn, and the last ones race the
        // sender. With one connection, at most one message is on the wire when a withdrawal commits: the one at index
        // `onWire` of what the server received.
        var withdrawals: [(address: String, onWire: Int)] = []
        for address in stride(from: 136, through: 20, by: -4).map({ subs[$0] }) {
            let r = try f.run(["subscribers", "unsubscribe", address])
            #expect(r.status == 0, "\(r.stderr)")
            withdrawals.append((address, server.messages.count))
        }
        let r = send.wait()
        #expect(r.status == 0, "\(r.stderr)")
        let order = server.messages.flatMap(\.recipients)
        var notSent = 0
        for w in withdrawals {
            guard let index = order.firstIndex(of: w.address) else {
                notSent += 1
                continue
            }
            #expect(index <= w.onWire, "\(w.address) received its edition after withdrawing")
        }
        #expect(notSent >= 10, "too few withdrawals before their turn: the test proved little")
        #expect(recipientCounts(order).values.allSatisfy { $0 == 1 })
        let status = try f.run(["newsletter", "status", "e-leave", "--json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(obj["skipped"] as? Int == notSent)
        #expect(obj["sent"] as? Int == n - notSent)
        #expect(obj["pending"] as? Int == 0)
    }
}
