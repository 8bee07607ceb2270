import Foundation
import Logging
import VigieCore
import VigieStore

/// `vigie serve`: every long-lived job of one database in one process, each on a thread of its own, until stopped.
///
/// The process first takes the lease `serve` (a second `serve` on the same database refuses with `LeaseError.held`),
/// then each job takes its own lease as the one-shot commands do (`poll:MAILBOX`, `newsletter:ID`, `outbox:QUEUE`),
/// so a manual command beside `serve` refuses (or waits with `--wait`) instead of racing it. A stop request lets every
/// job finish what is in flight; a fault no retry can cure (the database file deleted or replaced, a lease lost)
/// stops every job and is rethrown.
public final class Supervisor: @unchecked Sendable {
    /// How often the scheduler looks for due work, and how often unfinished editions are looked at again.
    public struct Timing: Sendable {
        public var tickSeconds: Double
        public var editionRecheckSeconds: Double
        /// How often an idle outbox sender looks for rows enqueued by another process (`clusters mark … removed`).
        public var outboxIdleSeconds: Double
        /// How often the rechecks look for clusters whose next check has come.
        public var recheckSeconds: Double = 30
        public var lease: LeaseTiming

        public init(
            tickSeconds: Double = 1, editionRecheckSeconds: Double = 30, outboxIdleSeconds: Double = 5,
            lease: LeaseTiming = .standard
        ) {
            self.tickSeconds = tickSeconds
            self.editionRecheckSeconds = editionRecheckSeconds
            self.outboxIdleSeconds = outboxIdleSeconds
            self.lease = lease
        }
    }

    /// One long-lived job: its name (for the logs and the thread) and its body, which returns when `stop` is raised
    /// and throws only a fault that must stop the whole service.
    public struct Job: Sendable {
        public var name: String
        public var body: @Sendable (StopSignal) throws -> Void

        public init(name: String, body: @escaping @Sendable (StopSignal) throws -> Void) {
            self.name = name
            self.body = body
        }
    }

    let context: AppContext
    let store: Store
    let timing: Timing
    let logger: Logger
    let clock: @Sendable () -> Date

    /// `clock` is the scheduler's notion of now (tests may shift it; see `vigie serve`'s test-only option).
    public init(
        context: AppContext, timing: Timing = Timing(), clock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.context = context
        self.store = try context.store(create: true)
        self.timing = timing
        var logger = context.logger
        logger[metadataKey: "job"] = "serve"
        self.logger = logger
        self.clock = clock
    }

    /// Runs every job until `stop` is raised (then returns normally) or a job fails for good (rethrown).
    /// With `waitForLease`, another `serve` on the same database is waited for instead of refused. `extraJobs` run
    /// beside the configured ones under the same lease (the HTTP server, whose module sits above this one).
    public func run(until stop: StopSignal, waitForLease: Bool = false, extraJobs: [Job] = []) throws {
        let lease = try JobLease.acquire(
            "serve", store: store, wait: waitForLease, stop: stop, timing: timing.lease,
            logger: logger, onLost: { stop.stop() })
        defer { lease.release() }
        let jobs = try makeJobs() + extraJobs
        logger.info("serving: \(jobs.map(\.name).joined(separator: ", ")) (pid \(getpid()))")
        let fatal = FatalError()
        let group = DispatchGroup()
        for job in jobs {
            group.enter()
            let thread = Thread { [logger] in
                do {
                    try job.body(stop)
                } catch {
                    logger.error("\(job.name): \(error); stopping every job")
                    fatal.record(error)
                    stop.stop()
                }
                group.leave()
            }
            thread.name = job.name
            thread.start()
        }
        group.wait()
        if let error = fatal.first { throw error }
        if lease.isLost { throw LeaseError.lost(job: "serve", to: try? store.leaseHolder(job: "serve")) }
        logger.info("stopped: every job finished its work in flight")
    }

    /// The jobs this configuration asks for.
    func makeJobs() throws -> [Job] {
        var jobs: [Job] = []
        // The outbox: one sender per enabled queue (acknowledgements, digest), each woken by its doorbell.
        let senders = try context.outboxSenders()
        let bells = Dictionary(uniqueKeysWithValues: senders.map { ($0.queue, Doorbell()) })
        let ringAll: @Sendable () -> Void = { for b in bells.values { b.ring() } }
        if try !context.intakeQueues().isEmpty {
            // New reports earn acknowledgements: intake rings the outbox after each pass that stored mail.
            let intake = try context.intakeService(afterPass: ringAll)
            // Intake and the short-link resolver (IntakeService runs both); a mailbox polled by hand is waited for.
            jobs.append(
                Job(name: "intake") { [timing] stop in
                    try intake.run(until: stop, waitForLease: true, leaseTiming: timing.lease)
                })
        } else {
            logger.warning("no enabled intake queue: serve ingests nothing")
        }
        for sender in senders {
            let bell = bells[sender.queue]!
            jobs.append(
                Job(name: "outbox-\(sender.queue)") { [timing] stop in
                    sender.loop(until: stop, wake: bell, idleSeconds: timing.outboxIdleSeconds)
                })
        }
        if let scheduler = try digestScheduler() {
            jobs.append(
                Job(name: "scheduler") { [self] stop in
                    try runScheduler(scheduler, stop: stop, ring: ringAll)
                })
        }
        jobs.append(Job(name: "editions") { [self] stop in try EditionJob(supervisor: self).run(until: stop) })
        if context.config.evidence != nil {
            let evidence = try context.evidenceService()
            jobs.append(
                Job(name: "evidence") { [self] stop in try evidence.loop(until: stop, fatal: fatalIfStoreGone) })
        }
        if context.config.rechecks.enabled {
            let checks = try context.linkChecks()
            jobs.append(
                Job(name: "rechecks") { [self] stop in
                    try RecheckJob(supervisor: self, service: checks, ring: ringAll).run(until: stop)
                })
        }
        return jobs
    }

    /// The digest's scheduler when a digest queue is enabled with a schedule; nil otherwise (nothing to tick).
    func digestScheduler() throws -> DigestScheduler? {
        guard context.queues.contains(where: { if case .outbound(let q) = $0 { q.kind == .digest } else { false } })
        else { return nil }
        let scheduler = try context.digestScheduler()
        return scheduler.next(after: clock()) == nil ? nil : scheduler
    }

    /// Ticks the digest's schedule every `tickSeconds` (on the scheduler's clock); what it enqueues rings the outbox.
    func runScheduler(_ scheduler: DigestScheduler, stop: StopSignal, ring: @Sendable () -> Void) throws {
        var failures = 0
        while !stop.isStopped {
            try store.checkFileIdentity()
            do {
                if try scheduler.tick(now: clock()) != nil { ring() }
                failures = 0
                stop.sleep(timing.tickSeconds)
            } catch {
                try fatalIfStoreGone(error)
                let delay = Backoff(base: .seconds(5), cap: .seconds(300)).nominal(attempt: failures).inSeconds
                failures += 1
                logger.error("digest schedule: \(error); trying again in \(Int(delay)) s")
                stop.sleep(delay)
            }
        }
    }

    /// Raises `StoreError.replaced` when the database file went away; other store errors are for the caller to retry.
    func fatalIfStoreGone(_ error: any Error) throws {
        if case .replaced? = StoreError(error, store: store) { throw error }
        try store.checkFileIdentity()
    }
}

/// Newsletter editions under `serve`: scheduled ones sent when due, unfinished ones resumed.
struct EditionJob {
    let supervisor: Supervisor
    var store: Store { supervisor.store }
    var logger: Logger { supervisor.logger }

    func run(until stop: StopSignal) throws {
        var nextRecheck = Date.distantPast
        var failures = 0
        var notBefore = Date.distantPast
        var heldBy: Set<String> = []
        while !stop.isStopped {
            try store.checkFileIdentity()
            let now = supervisor.clock()
            if now >= notBefore {
                do {
                    for s in try store.dueScheduledEditions(now: now) where !stop.isStopped {
                        guard try store.markScheduledEditionSending(id: s.id, now: now) else { continue }
                        logger.info("edition \(s.editionID): its time has come (scheduled #\(s.id))")
                        try send(
                            id: s.editionID, source: s.source, sha256: s.sourceSHA256, queue: s.queue, stop: stop,
                            heldBy: &heldBy)
                    }
                    if now >= nextRecheck {
                        nextRecheck = now.addingTimeInterval(supervisor.timing.editionRecheckSeconds)
                        try resumeUnfinished(stop: stop, now: now, heldBy: &heldBy)
                    }
                    failures = 0
                } catch {
                    try supervisor.fatalIfStoreGone(error)
                    // A relay fault or a busy store: retried with backoff; the rows stay as they were.
                    let delay = Backoff(base: .seconds(5), cap: .seconds(600)).nominal(attempt: failures).inSeconds
                    failures += 1
                    notBefore = now.addingTimeInterval(delay)
                    nextRecheck = notBefore
                    logger.error("editions: \(error); trying again in \(Int(delay)) s")
                }
            }
            stop.sleep(supervisor.timing.tickSeconds)
        }
    }

    /// Resumes the editions started and not complete that have something due.
    func resumeUnfinished(stop: StopSignal, now: Date, heldBy: inout Set<String>) throws {
        let scheduled = try store.scheduledEditions()
        for e in try store.unfinishedEditions() where !stop.isStopped {
            guard let status = try store.editionStatus(e.id) else { continue }
            let queue = scheduled.first { $0.editionID == e.id }?.queue
            if status.isFinished {
                try store.completeEdition(e.id, now: now)
                try store.markScheduledEditionSent(editionID: e.id, now: now)
                continue
            }
            let nextDeferred = try store.nextDeferredAttempt(editionID: e.id)
            guard status.pending > 0 || nextDeferred.map({ $0 <= now }) == true else { continue }
            guard let source = e.source else {
                let hint = "resume it with vigie newsletter send FILE"
                logger.warning("edition \(e.id) is unfinished but was started before vigie kept its file; \(hint)")
                continue
            }
            try send(id: e.id, source: source, sha256: e.sourceSHA256, queue: queue, stop: stop, heldBy: &heldBy)
        }
    }

    /// Sends (or resumes) one edition from its stored text; another runner holding it is left alone.
    func send(
        id: String, source: String, sha256: String, queue: String?, stop: StopSignal,
        heldBy: inout Set<String>
    ) throws {
        let edition = try Edition.parse(source, file: "edition \(id) (as stored)")
        let service = try supervisor.context.newsletter(queue: queue)
        let status: EditionStatus
        do {
            status = try service.send(
                edition, sha256: sha256, source: source, stop: stop, waitForDeferred: false,
                leaseTiming: supervisor.timing.lease)
        } catch let LeaseError.held(holder) {
            // `newsletter send` by hand: it sends; serve looks again later.
            if heldBy.insert(id).inserted {
                logger.info("edition \(id) is being sent by pid \(holder.pid) on \(holder.host); leaving it to it")
            }
            return
        }
        heldBy.remove(id)
        if status.isFinished { try store.markScheduledEditionSent(editionID: id) }
        let counts =
            "sent \(status.sent), failed \(status.failed), deferred \(status.deferred), pending "
            + "\(status.pending), skipped \(status.skipped) of \(status.total)"
        logger.info("edition \(id): \(counts)")
    }
}
