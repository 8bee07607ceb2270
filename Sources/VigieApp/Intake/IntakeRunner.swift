import Foundation
import Logging
import Synchronization
import VigieCore
import VigieMail
import VigieStore

/// One intake queue: fetch new messages, store them raw first, then act on the server, then parse.
public final class IntakeRunner: Sendable {
    /// Opens a logged-in session; injectable so tests can count or break connections.
    public typealias SessionFactory = @Sendable (IMAPEndpoint, Logger) throws -> any MailboxSession

    let queue: IntakeQueue
    let store: Store
    let processor: any IntakeProcessor
    let logger: Logger
    let makeSession: SessionFactory
    /// Fetch in batches of at most this many messages or bytes: bounds memory and the work a crash can redo.
    let batchCount: Int
    let batchBytes: Int

    public init(
        queue: IntakeQueue, store: Store, processor: any IntakeProcessor, logger: Logger,
        batchCount: Int = 500, batchBytes: Int = 16 << 20,
        makeSession: @escaping SessionFactory = { try IMAPSession(endpoint: $0, logger: $1) }
    ) {
        self.queue = queue
        self.store = store
        self.processor = processor
        var logger = logger
        logger[metadataKey: "queue"] = "\(queue.name)"
        self.logger = logger
        self.makeSession = makeSession
        self.batchCount = batchCount
        self.batchBytes = batchBytes
    }

    /// The job name of this mailbox's lease: one poller per mailbox (`poll:` and the key of `intake_state`).
    public var leaseJob: String { "poll:\(queue.mailboxKey)" }

    /// Connects, ingests everything new, logs out.
    public func pollOnce(lease: JobLease? = nil) throws -> IntakeStats {
        let session = try makeSession(queue.endpoint, logger)
        defer { session.logout() }
        return try pass(session, lease: lease)
    }

    /// One pass over the mailbox on an open session (selecting it anew each time). With `lease`, every server-side
    /// action (\Seen, move) is preceded by a check that this process still holds the mailbox's lease.
    public func pass(
        _ session: any MailboxSession, stop: StopSignal? = nil, lease: JobLease? = nil
    ) throws -> IntakeStats {
        let stats: IntakeStats
        do {
            stats = try ingest(session, stop: stop, lease: lease)
        } catch {
            // What was saved is linked all the same (else the next pass links it first).
            try? processor.finishPass()
            throw error
        }
        try processor.finishPass()
        return stats
    }

    private func ingest(_ session: any MailboxSession, stop: StopSignal?, lease: JobLease?) throws -> IntakeStats {
        var stats = IntakeStats()
        let key = queue.mailboxKey
        let status = try session.select(queue.mailbox)
        var fromUID: UInt32
        switch IntakeCheckpoint.plan(stored: try store.checkpoint(mailbox: key), server: status) {
        case .resume(let next):
            fromUID = next
        case .rescan(let reason):
            logger.info("scanning \(queue.mailbox) from the start: \(reason)")
            try store.resetCheckpoint(mailbox: key, uidValidity: status.uidValidity)
            fromUID = 1
        }

        // Server actions a crash left owed: the messages are stored, only \Seen or the move is missing.
        let owed = try store.owedActions(mailbox: key, uidValidity: status.uidValidity)
        if !owed.isEmpty {
            logger.info("completing server actions for \(owed.count) messages stored by an interrupted run")
            try lease?.check()
            try applyServerActions(owed, session: session, uidValidity: status.uidValidity)
        }

        // Messages stored but not parsed by an interrupted run are parsed first.
        stats = stats + (try processor.processPending())

        guard status.messageCount > 0, status.uidNext == 0 || status.uidNext > fromUID else { return stats }
        let uids = try session.uids(from: fromUID)
        guard !uids.isEmpty else { return stats }
        logger.info("\(uids.count) new messages in \(queue.mailbox)")
        let run = { [self] in
            try overlapped(uids, session: session, uidValidity: status.uidValidity, stop: stop, lease: lease)
        }
        // A catch-up of several batches writes the WAL back every 8,192 pages rather than every 1,000: each
        // checkpoint syncs the database file while the storing thread waits (see `withSparseCheckpoints`).
        return stats + (uids.count > batchCount ? try store.withSparseCheckpoints(run) : try run())
    }

    /// A fetched batch on its way to the storing thread; `lastUID` is where the checkpoint moves once it is stored
    /// (past the UIDs expunged meanwhile). An empty batch only moves the checkpoint. `actionsDone`: UIDs of earlier
    /// batches whose \Seen (and move) the server has acknowledged, no longer owed once this batch commits.
    struct StoreJob: Sendable {
        var fetched: [FetchedMessage]
        var lastUID: UInt32
        var actionsDone: [UInt32] = []
    }

    /// Fetches batch after batch on this thread (the session's) while another thread stores and parses the previous
    /// one: the next FETCH, and the server's \Seen and move of the batch before, overlap the commit, the parse and
    /// the linking. A batch gets \Seen (and is moved) here only once the storing thread said its raw bytes are
    /// committed; a failure on either side stops both, and what was fetched but not committed stays unseen on the
    /// server for the next pass.
    private func overlapped(
        _ uids: [UInt32], session: any MailboxSession, uidValidity: UInt32, stop: StopSignal?, lease: JobLease?
    ) throws -> IntakeStats {
        let pipeline = IntakePipeline<StoreJob, [UInt32]>()
        let stored = StatsTally()
        let done = DispatchSemaphore(value: 0)
        let storer = Thread { [self] in
            defer {
                pipeline.finish()
                done.signal()
            }
            // The previous batch's saving and linking, run here while this batch is parsed on the other cores.
            var pendingSave: (@Sendable () throws -> IntakeStats)?
            do {
                while let (seq, job) = pipeline.next() {
                    let clock = ContinuousClock()
                    let t0 = clock.now
                    let (s, fresh) = try commitRaw(job, uidValidity: uidValidity)
                    pipeline.didCommit(seq, job.fetched.map(\.uid))
                    stored.add(s)
                    let parsing = Preparation(processor, fresh)
                    let saved = Result { try pendingSave?() ?? IntakeStats() }
                    pendingSave = parsing.wait()
                    stored.add(try saved.get())
                    logger.debug(
                        "batch of \(job.fetched.count): stored in \(clock.now - t0) with the previous one's parse and save"
                    )
                }
                if let save = pendingSave { stored.add(try save()) }
            } catch {
                pipeline.fail(error)
            }
        }
        storer.name = "intake-store-\(queue.name)"
        storer.start()

        var fetched = 0
        var owed: Int?
        // Flagged on the server, still recorded as owed: cleared by the next batch's commit (no write transaction of
        // this thread's own waiting behind the storing thread's), or at the end. A crash before that only makes the
        // next pass set \Seen on them again.
        var flagged: [UInt32] = []
        // Handed over with the job not yet committed: owed still until it is.
        var handed: [UInt32] = []
        let clock = ContinuousClock()
        var waits = (fetch: Duration.zero, commit: Duration.zero, actions: Duration.zero)
        // Waits for the commit of the batch handed over last, hands `next` over (the storing thread works on it
        // while the server flags and moves), then sets \Seen and moves the committed batch.
        func settle(handing next: StoreJob? = nil) throws {
            var committed: [UInt32] = []
            if let seq = owed {
                let t0 = clock.now
                committed = try pipeline.waitCommitted(seq)
                handed.removeAll()
                waits.commit += clock.now - t0
            }
            // A storing thread that failed since refuses `next`: the committed batch is flagged all the same.
            var next = next
            next?.actionsDone = flagged
            let refused = Result { owed = try next.map { try pipeline.submit($0) } }
            if next != nil, case .success = refused {
                handed = flagged
                flagged.removeAll()
            }
            if !committed.isEmpty {
                let t1 = clock.now
                try lease?.check()
                try applyServerActions(committed, session: session, uidValidity: uidValidity, recordNow: false)
                flagged += committed
                waits.actions += clock.now - t1
            }
            try refused.get()
        }
        do {
            var start = 0
            windows: while start < uids.count {
                if stop?.isStopped == true { break }
                let window = Array(uids[start..<min(start + 2000, uids.count)])
                start += window.count
                let sizes = try session.sizes(of: window)
                var batches: [[UInt32]] = []
                var batch: [UInt32] = []
                var bytes = 0
                for uid in window {
                    guard let size = sizes[uid] else { continue }  // expunged meanwhile
                    let cost = min(size, queue.maxMessageBytes)
                    if !batch.isEmpty && (batch.count >= batchCount || bytes + cost > batchBytes) {
                        batches.append(batch)
                        batch.removeAll(keepingCapacity: true)
                        bytes = 0
                    }
                    batch.append(uid)
                    bytes += cost
                }
                if !batch.isEmpty { batches.append(batch) }
                if batches.isEmpty {
                    // Every UID of the window was expunged: the checkpoint moves past them all the same.
                    try settle(handing: StoreJob(fetched: [], lastUID: window.last ?? 0))
                    continue
                }
                for (i, b) in batches.enumerated() {
                    if i > 0 && stop?.isStopped == true { break windows }
                    let t0 = clock.now
                    let messages = try fetch(b, sizes: sizes, session: session)
                    waits.fetch += clock.now - t0
                    fetched += messages.count
                    // The window's highest UID may have been expunged: its last batch moves the checkpoint past it.
                    let last = i == batches.count - 1 ? max(b.last ?? 0, window.last ?? 0) : (b.last ?? 0)
                    try settle(handing: StoreJob(fetched: messages, lastUID: last))
                }
            }
            try settle()
        } catch {
            pipeline.close()
            done.wait()
            // What was flagged is no longer owed, whether or not the job it was handed with got committed.
            try? store.clearOwedActions(mailbox: queue.mailboxKey, uidValidity: uidValidity, uids: handed + flagged)
            throw error
        }
        pipeline.close()
        let t0 = clock.now
        done.wait()
        try store.clearOwedActions(mailbox: queue.mailboxKey, uidValidity: uidValidity, uids: handed + flagged)
        logger.debug(
            "IMAP side: fetching \(waits.fetch), waiting for commits \(waits.commit), \\Seen and moves \(waits.actions), waiting for the last saves \(clock.now - t0)"
        )
        if let error = pipeline.error { throw error }
        var stats = stored.total
        stats.fetched = fetched
        return stats
    }

    /// One batch's bytes in one `UID FETCH`; the messages over `max_message_bytes` by their header only.
    private func fetch(
        _ uids: [UInt32], sizes: [UInt32: Int], session: any MailboxSession
    ) throws -> [FetchedMessage] {
        let small = uids.filter { (sizes[$0] ?? 0) <= queue.maxMessageBytes }
        let large = uids.filter { (sizes[$0] ?? 0) > queue.maxMessageBytes }
        var fetched = small.isEmpty ? [] : try session.fetchFull(small)
        if !large.isEmpty {
            for var m in try session.fetchHeaders(large) {
                m.headerOnly = true
                m.size = sizes[m.uid] ?? m.size
                fetched.append(m)
                logger.warning("UID \(m.uid): \(m.size) bytes is over max_message_bytes; storing headers only")
            }
        }
        return fetched
    }

    /// Commits one batch's raw bytes (storing thread); returns the counts and the new messages to parse.
    private func commitRaw(_ job: StoreJob, uidValidity: UInt32) throws -> (IntakeStats, [MessageToParse]) {
        var stats = IntakeStats()
        let incoming = job.fetched.parallelMap { m in
            IncomingMessage(
                uid: m.uid, raw: m.raw, size: m.size, truncated: m.headerOnly,
                sha256: Digest.sha256Hex(m.raw), messageID: RawHeaderScan.messageID(in: m.raw))
        }
        // A database deleted or replaced meanwhile would swallow the batch: stop before storing or moving anything.
        try store.checkFileIdentity()
        let storedAt = Date()
        let outcomes = try store.commit(
            batch: incoming, queue: queue.name, role: queue.role,
            mailbox: queue.mailboxKey, uidValidity: uidValidity, lastUID: job.lastUID,
            claimed: true, actionsDone: job.actionsDone, now: storedAt)
        var fresh: [MessageToParse] = []
        fresh.reserveCapacity(incoming.count)
        for (o, m) in zip(outcomes, incoming) {
            switch o {
            case .inserted(let id):
                stats.stored += 1
                fresh.append(
                    MessageToParse(
                        id: id, raw: m.raw, truncated: m.truncated, size: m.size,
                        receivedAt: storedAt))
            case .duplicate: stats.duplicates += 1
            case .alreadyStored: stats.alreadyStored += 1
            }
        }
        return (stats, fresh)
    }

    /// \Seen, then the move if configured; recorded as done only once the server said OK (here, or with
    /// `recordNow` false by the caller).
    private func applyServerActions(
        _ uids: [UInt32], session: any MailboxSession, uidValidity: UInt32, recordNow: Bool = true
    ) throws {
        guard !uids.isEmpty else { return }
        // Nothing leaves INBOX unless the commit went to the database file that will be read tomorrow.
        try store.checkFileIdentity()
        try session.markSeen(uids)
        if let target = queue.processedMailbox, !target.isEmpty {
            try session.move(uids, to: target)
        }
        if recordNow { try store.clearOwedActions(mailbox: queue.mailboxKey, uidValidity: uidValidity, uids: uids) }
    }
}

/// Counts added from the storing thread, read once it has returned.
private final class StatsTally: Sendable {
    private let stats = Mutex(IntakeStats())

    func add(_ s: IntakeStats) { stats.withLock { $0 = $0 + s } }

    var total: IntakeStats { stats.withLock { $0 } }
}

/// A batch's parsing (`IntakeProcessor.prepare`) on a thread of the pool, while the caller saves the previous batch.
private final class Preparation: @unchecked Sendable {
    private let group = DispatchGroup()
    // Written once before `group.leave()`, read after `group.wait()`.
    private var save: (@Sendable () throws -> IntakeStats)?

    init(_ processor: any IntakeProcessor, _ items: [MessageToParse]) {
        group.enter()
        DispatchQueue.global().async {
            self.save = processor.prepare(items)
            self.group.leave()
        }
    }

    /// Waits for the parsing; returns what saves its result.
    func wait() -> @Sendable () throws -> IntakeStats {
        group.wait()
        return save ?? { IntakeStats() }
    }
}
