import Foundation
import Logging
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

        var start = 0
        while start < uids.count {
            if stop?.isStopped == true { break }
            let window = Array(uids[start..<min(start + 2000, uids.count)])
            start += window.count
            let sizes = try session.sizes(of: window)
            var batch: [UInt32] = []
            var bytes = 0
            for uid in window {
                guard let size = sizes[uid] else { continue }  // expunged meanwhile
                let cost = min(size, queue.maxMessageBytes)
                if !batch.isEmpty && (batch.count >= batchCount || bytes + cost > batchBytes) {
                    stats =
                        stats
                        + (try ingest(
                            batch, sizes: sizes, session: session, uidValidity: status.uidValidity,
                            lease: lease))
                    batch.removeAll(keepingCapacity: true)
                    bytes = 0
                    if stop?.isStopped == true { return stats }
                }
                batch.append(uid)
                bytes += cost
            }
            if !batch.isEmpty {
                stats =
                    stats
                    + (try ingest(
                        batch, sizes: sizes, session: session, uidValidity: status.uidValidity,
                        lease: lease))
            }
            // The window's highest UID may have been expunged: advance the checkpoint past it anyway.
            if let last = window.last {
                _ = try store.commit(
                    batch: [], queue: queue.name, mailbox: key, uidValidity: status.uidValidity,
                    lastUID: last)
            }
        }
        return stats
    }

    /// Fetch, commit raw, act on the server, parse — for one batch of UIDs.
    private func ingest(
        _ uids: [UInt32], sizes: [UInt32: Int], session: any MailboxSession,
        uidValidity: UInt32, lease: JobLease?
    ) throws -> IntakeStats {
        var stats = IntakeStats()
        let clock = ContinuousClock()
        let t0 = clock.now
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
        stats.fetched = fetched.count
        let t1 = clock.now
        let incoming = fetched.parallelMap { m in
            IncomingMessage(
                uid: m.uid, raw: m.raw, size: m.size, truncated: m.headerOnly,
                sha256: Digest.sha256Hex(m.raw), messageID: RawHeaderScan.messageID(in: m.raw))
        }
        // A database deleted or replaced meanwhile would swallow the batch: stop before storing or moving anything.
        try store.checkFileIdentity()
        let storedAt = Date()
        let outcomes = try store.commit(
            batch: incoming, queue: queue.name, role: queue.role,
            mailbox: queue.mailboxKey, uidValidity: uidValidity, lastUID: uids.max() ?? 0,
            claimed: true, now: storedAt)
        var fresh: [MessageToParse] = []
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
        let t2 = clock.now
        try lease?.check()
        try applyServerActions(fetched.map(\.uid), session: session, uidValidity: uidValidity)
        let t3 = clock.now
        stats = stats + (try processor.process(fresh))
        logger.debug(
            "batch of \(uids.count): fetch \(t1 - t0), store \(t2 - t1), server actions \(t3 - t2), parse and cluster \(clock.now - t3)"
        )
        return stats
    }

    /// \Seen, then the move if configured; recorded as done only once the server said OK.
    private func applyServerActions(_ uids: [UInt32], session: any MailboxSession, uidValidity: UInt32) throws {
        guard !uids.isEmpty else { return }
        // Nothing leaves INBOX unless the commit went to the database file that will be read tomorrow.
        try store.checkFileIdentity()
        try session.markSeen(uids)
        if let target = queue.processedMailbox, !target.isEmpty {
            try session.move(uids, to: target)
        }
        try store.clearOwedActions(mailbox: queue.mailboxKey, uidValidity: uidValidity, uids: uids)
    }
}
