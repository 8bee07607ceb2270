import Foundation
import Logging
import Testing
import VigieApp
import VigieCore
import VigieStore

/// Counts what the runner hands to parsing; parsing itself is ReportProcessor's (tested against Dovecot).
final class CountingProcessor: IntakeProcessor, @unchecked Sendable {
    private let lock = NSLock()
    private var given: [Int64] = []
    private var calls = 0
    private var hook: (@Sendable (Int) throws -> Void)?
    private var finished: [Int] = []

    var processed: [Int64] { lock.withLock { given } }
    /// How many messages had been processed at each `finishPass`, in order.
    var passesFinished: [Int] { lock.withLock { finished } }
    /// Called with the number of `process` calls so far (1 for the first), before counting; may throw.
    var onCall: (@Sendable (Int) throws -> Void)? {
        get { lock.withLock { hook } }
        set { lock.withLock { hook = newValue } }
    }

    func processPending() throws -> IntakeStats { IntakeStats() }

    func finishPass() throws { lock.withLock { finished.append(given.count) } }

    func process(_ items: [MessageToParse]) throws -> IntakeStats {
        let (call, hook) = lock.withLock {
            calls += 1
            return (calls, self.hook)
        }
        try hook?(call)
        lock.withLock { given.append(contentsOf: items.map(\.id)) }
        var stats = IntakeStats()
        stats.parsed = items.count
        return stats
    }
}

/// The intake runner's orchestration on an in-memory mailbox: the checkpoint, the order of store and server
/// actions, and the actions a failure left owed. Dovecot's side is tested in VigieIntegrationTests.
@Suite struct IntakeRunnerTests {
    final class Fixture {
        let temp: TempStore
        let box = FakeMailbox()
        let processor = CountingProcessor()
        let queue: IntakeQueue
        let runner: IntakeRunner

        init(processed: String? = "Archive", batchCount: Int = 500) throws {
            temp = try TempStore()
            queue = IntakeQueue(
                name: "reports", file: "queues/reports.toml", role: .reports,
                endpoint: IMAPEndpoint(host: "imap.invalid", port: 143, security: .plain, user: "u", password: "p"),
                mailbox: "INBOX", processedMailbox: processed, idle: false, pollIntervalSeconds: 60,
                maxMessageBytes: 1 << 20, enabled: true)
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            runner = IntakeRunner(
                queue: queue, store: temp.store, processor: processor, logger: logger,
                batchCount: batchCount, makeSession: { [box] _, _ in box.session() })
        }

        var store: Store { temp.store }
        var checkpoint: IntakeCheckpoint? { get throws { try store.checkpoint(mailbox: queue.mailboxKey) } }
    }

    static func mails(_ range: ClosedRange<Int>) -> [[UInt8]] {
        range.map { Array("Message-ID: <m\($0)@x.fr>\r\nSubject: \($0)\r\n\r\nbody \($0)\r\n".utf8) }
    }

    @Test func theCheckpointAdvancesBatchByBatchAndTheNextPassStartsAfterIt() throws {
        let f = try Fixture(batchCount: 2)
        f.box.deliver(Self.mails(1...5))
        let first = try f.runner.pollOnce()
        #expect(first.fetched == 5 && first.stored == 5 && first.parsed == 5)
        #expect(try f.checkpoint == IntakeCheckpoint(uidValidity: 1000, lastUID: 5))
        // Batches of two: the next one is fetched while one is stored; each is flagged and moved once stored.
        #expect(
            f.box.log == [
                .select("INBOX"), .uids(from: 1),
                .fetch([1, 2]), .fetch([3, 4]), .markSeen([1, 2]), .move([1, 2], to: "Archive"),
                .fetch([5]), .markSeen([3, 4]), .move([3, 4], to: "Archive"),
                .markSeen([5]), .move([5], to: "Archive"),
            ])
        #expect(f.box.moved(to: "Archive") == [1, 2, 3, 4, 5])
        #expect(f.processor.processed.count == 5)

        f.box.resetLog()
        f.box.deliver(Self.mails(6...7))
        let second = try f.runner.pollOnce()
        #expect(second.stored == 2)
        #expect(f.box.log.contains(.uids(from: 6)))
        #expect(!f.box.log.contains(.fetch([1, 2])))
        #expect(try f.checkpoint?.lastUID == 7)

        // Nothing new: no fetch at all.
        f.box.resetLog()
        #expect(try f.runner.pollOnce() == IntakeStats())
        #expect(f.box.log == [.select("INBOX")])
    }

    @Test func withoutAProcessedMailboxMessagesAreOnlyFlagged() throws {
        let f = try Fixture(processed: nil)
        f.box.deliver(Self.mails(1...3))
        #expect(try f.runner.pollOnce().stored == 3)
        #expect(f.box.seen == [1, 2, 3])
        #expect(!f.box.log.contains { if case .move = $0 { return true } else { return false } })
        #expect(try f.checkpoint?.lastUID == 3)
    }

    /// Stored but not flagged (the session broke between the commit and \Seen): the next pass replays the owed
    /// actions before anything else, and stores nothing twice.
    @Test func owedServerActionsAreReplayedFirst() throws {
        let f = try Fixture()
        f.box.deliver(Self.mails(1...4))
        f.box.failingMarkSeen = 1
        #expect(throws: FakeMailbox.Failure.self) { try f.runner.pollOnce() }
        // Stored and checkpointed, the server actions owed.
        #expect(try f.checkpoint?.lastUID == 4)
        #expect(try f.store.owedActions(mailbox: f.queue.mailboxKey, uidValidity: 1000) == [1, 2, 3, 4])
        #expect(f.box.seen.isEmpty)

        f.box.resetLog()
        f.box.deliver(Self.mails(5...5))
        let stats = try f.runner.pollOnce()
        #expect(stats.stored == 1)
        #expect(
            f.box.log == [
                .select("INBOX"), .markSeen([1, 2, 3, 4]), .move([1, 2, 3, 4], to: "Archive"),
                .uids(from: 5), .fetch([5]), .markSeen([5]), .move([5], to: "Archive"),
            ])
        #expect(try f.store.owedActions(mailbox: f.queue.mailboxKey, uidValidity: 1000).isEmpty)
        #expect(f.box.moved(to: "Archive") == [1, 2, 3, 4, 5])
        // The four stored before the failure were parsed from memory by the first pass (parsing does not wait for
        // \Seen); the second pass parses only the fresh one.
        #expect(f.processor.processed.count == 5)
    }

    /// A new UIDVALIDITY voids the checkpoint: the mailbox is scanned from UID 1, and what is already stored (same
    /// bytes) is recognised, not stored again.
    @Test func aNewUIDValidityRescansWithoutStoringTwice() throws {
        let f = try Fixture(processed: nil)
        f.box.deliver(Self.mails(1...3))
        #expect(try f.runner.pollOnce().stored == 3)
        f.box.renumber(uidValidity: 2000)
        f.box.deliver(Self.mails(4...4))
        f.box.resetLog()
        let stats = try f.runner.pollOnce()
        #expect(f.box.log.contains(.uids(from: 1)))
        #expect(stats.stored == 1)
        #expect(stats.duplicates == 3)
        #expect(try f.checkpoint == IntakeCheckpoint(uidValidity: 2000, lastUID: 4))
    }

    /// The storing thread stops at a commit (the database file was moved away while the first batch was being
    /// saved, which happens beside the second batch's parsing): the batches committed before keep their place,
    /// nothing is flagged on the server unless its bytes are stored, and once the file is back the next pass stores
    /// the rest exactly once.
    @Test func aStoreFailureMidPassLosesNothing() throws {
        let f = try Fixture(batchCount: 2)
        let path = f.store.path
        f.processor.onCall = { call in
            if call == 1 { try FileManager.default.moveItem(atPath: path, toPath: path + ".away") }
        }
        f.box.deliver(Self.mails(1...5))
        #expect(throws: StoreError.self) { try f.runner.pollOnce() }
        try FileManager.default.moveItem(atPath: path + ".away", toPath: path)
        // The first two batches are stored (the second before the first one's save); the third was refused.
        #expect(try f.store.messageCounts().values.reduce(0, +) == 4)
        #expect(try f.checkpoint?.lastUID == 4)
        // Whatever is flagged is stored; what is stored and not flagged is owed (the server actions may have met
        // the moved file too).
        #expect(f.box.seen.isSubset(of: [1, 2, 3, 4]))
        let owed = Set(try f.store.owedActions(mailbox: f.queue.mailboxKey, uidValidity: 1000))
        #expect(owed.union(f.box.seen) == [1, 2, 3, 4])

        f.processor.onCall = nil
        let stats = try f.runner.pollOnce()
        #expect(stats.stored == 1 && stats.duplicates == 0 && stats.alreadyStored == 0)
        #expect(try f.store.messageCounts().values.reduce(0, +) == 5)
        #expect(f.box.seen == [1, 2, 3, 4, 5])
        #expect(f.box.moved(to: "Archive").sorted() == [1, 2, 3, 4, 5])
        #expect(try f.store.owedActions(mailbox: f.queue.mailboxKey, uidValidity: 1000).isEmpty)
        #expect(try f.checkpoint?.lastUID == 5)
    }

    /// Saving the second batch fails (it runs once the third is committed, beside its parsing): the pass stops
    /// with that error, every committed batch is flagged and nothing after it is stored or flagged.
    @Test func aSaveFailureStopsThePassWithEveryFlaggedMessageStored() throws {
        let f = try Fixture(batchCount: 2)
        f.processor.onCall = { call in
            if call == 2 { throw FakeMailbox.Failure(description: "parser crashed") }
        }
        f.box.deliver(Self.mails(1...7))
        #expect(throws: FakeMailbox.Failure.self) { try f.runner.pollOnce() }
        #expect(try f.store.messageCounts().values.reduce(0, +) == 6)
        #expect(try f.checkpoint?.lastUID == 6)
        #expect(f.box.seen == [1, 2, 3, 4, 5, 6])
        #expect(f.processor.processed.count == 2)

        f.processor.onCall = nil
        #expect(try f.runner.pollOnce().stored == 1)
        #expect(f.box.moved(to: "Archive") == [1, 2, 3, 4, 5, 6, 7])
    }

    /// What a processor defers during a pass (the reports' linking) is completed once per pass, after everything
    /// was processed: also when the pass fails, and when it finds nothing new.
    @Test func everyPassEndsByFinishingTheProcessorsDeferredWork() throws {
        let f = try Fixture(batchCount: 2)
        f.box.deliver(Self.mails(1...5))
        _ = try f.runner.pollOnce()
        #expect(f.processor.passesFinished == [5])
        _ = try f.runner.pollOnce()
        #expect(f.processor.passesFinished == [5, 5])

        f.processor.onCall = { call in
            if call == 4 { throw FakeMailbox.Failure(description: "parser crashed") }
        }
        f.box.deliver(Self.mails(6...9))
        #expect(throws: FakeMailbox.Failure.self) { try f.runner.pollOnce() }
        #expect(f.processor.passesFinished == [5, 5, 5])
    }
}
