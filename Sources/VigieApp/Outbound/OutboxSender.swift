import Foundation
import Logging
import VigieCore
import VigieMail
import VigieStore

/// What one run of an outbox queue did, and what it left.
public struct OutboxSummary: Sendable, Equatable {
    public var queue: String
    public var sent = 0
    public var failed = 0
    public var deferred = 0
    public var reconnects = 0
    /// Rows a crashed run had left `sending`, put back and sent again.
    public var recovered = 0
    /// Sent rows whose bytes the retention rule cleared at the end of the run.
    public var pruned = 0
    /// Rows still to send (deferred for later, or enqueued meanwhile).
    public var unsent = 0
    /// When the earliest deferred row falls due.
    public var nextAttemptAt: Date?

    public init(queue: String) { self.queue = queue }

    /// One line for the operator.
    public var summary: String {
        var s = "outbox \(queue): \(sent) sent, \(failed) failed, \(deferred) deferred"
        if recovered > 0 { s += ", \(recovered) resent after an interruption" }
        if unsent > 0 { s += "; \(unsent) still to send" }
        if let next = nextAttemptAt { s += " (next retry at \(LeaseError.iso(next)))" }
        return s
    }
}

/// Sends one outbox queue (`acknowledgements`, `digest`) with that queue's relay and pacing, under the lease
/// `outbox:QUEUE`: the same `Sender` as the newsletter's editions, so the same promises (a row is `sending` before the
/// wire and `sent` only after the 2xx; 4xx retried with backoff; 5xx recorded; a relay fault stops the run and
/// leaves the rows as they were; after kill -9 at most one resend per connection, nobody skipped).
public final class OutboxSender: Sendable {
    public typealias TransportFactory = @Sendable () -> any MailTransport

    public let settings: OutboundSettings
    let store: Store
    let logger: Logger
    let leaseTiming: LeaseTiming
    let makeTransport: TransportFactory

    public init(store: Store, settings: OutboundSettings, logger: Logger, leaseTiming: LeaseTiming = .standard,
                makeTransport: TransportFactory? = nil) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.leaseTiming = leaseTiming
        let endpoint = settings.smtp
        self.makeTransport = makeTransport ?? { CurlSMTPTransport(settings: endpoint) }
    }

    /// The queue's name, as its rows and its lease name it.
    public var queue: String { settings.queue }

    /// The lease job of this queue.
    public var leaseJob: String { "outbox:\(settings.queue)" }

    /// Sends what is due now (and, with `waitForDeferred`, waits out the 4xx retries until nothing is left), under the
    /// queue's lease: another runner holding it makes this throw `LeaseError.held`, or wait with `waitForLease`.
    /// Throws `RelayError` (one line, rows untouched) when the relay failed.
    public func run(stop: StopSignal, waitForDeferred: Bool = false, waitForLease: Bool = false) throws
        -> OutboxSummary
    {
        let lease = try JobLease.acquire(leaseJob, store: store, wait: waitForLease, stop: stop, timing: leaseTiming,
                                         logger: logger, onLost: { stop.stop() })
        defer { lease.release() }
        var result = OutboxSummary(queue: queue)
        // Only the lease holder may decide a `sending` row is a crash's: the statement checks the fence itself.
        guard let recovered = try store.recoverOutboxInFlight(queue: queue, fence: lease.fence) else {
            throw LeaseError.lost(job: leaseJob, to: try? store.leaseHolder(job: leaseJob))
        }
        result.recovered = recovered
        if recovered > 0 {
            logger.info("outbox \(queue): \(recovered) messages were in flight at an interruption and are sent again")
        }
        let sender = Sender(queue: OutboxQueue(store: store, name: queue), settings: settings.dispatch,
                            makeTransport: makeTransport, logger: logger, stop: stop,
                            waitForDeferred: waitForDeferred, fence: lease.fence)
        let s: SendSummary
        do {
            s = try sender.run()
        } catch var e as RelayError {
            e.relay = settings.smtp.relayName
            e.rows = "message"
            throw e
        }
        result.sent = s.sent
        result.failed = s.failed
        result.deferred = s.deferred
        result.reconnects = s.reconnects
        let cutoff = Date().addingTimeInterval(-Double(settings.keepSentDays) * 86_400)
        result.pruned = try store.pruneOutboxMessages(queue: queue, sentBefore: cutoff)
        let counts = try store.outboxCounts().filter { $0.queue == queue }
        result.unsent = counts.reduce(0) { $0 + $1.unsent }
        result.nextAttemptAt = counts.compactMap(\.nextAttemptAt).min()
        if s.sent + s.failed + s.deferred > 0 { logger.info("\(result.summary)") }
        return result
    }

    /// Sends the queue whenever `wake` rings (new rows enqueued) or a deferred row falls due, until `stop` is raised:
    /// the thread beside intake (`vigie poll`) or in `serve`. Relay faults and a lease held elsewhere are logged and
    /// retried with backoff; this never throws.
    public func loop(until stop: StopSignal, wake: Doorbell, idleSeconds: Double = 60) {
        let backoff = Backoff(base: .seconds(2), cap: .seconds(300), jitter: settings.dispatch.jitter)
        var failures = 0
        var rng = SystemRandomNumberGenerator()
        while !stop.isStopped {
            var wait = idleSeconds
            do {
                let s = try run(stop: StopSignal(linkedTo: stop), waitForDeferred: false)
                failures = 0
                if let next = s.nextAttemptAt { wait = min(wait, max(0.05, next.timeIntervalSinceNow)) }
            } catch {
                // New rows do not cut a backoff short: the relay (or the lease's holder) is what we wait for.
                failures += 1
                let delay = backoff.delay(attempt: failures - 1, using: &rng).inSeconds
                logger.warning("\(error); trying again in \(Int(delay.rounded())) s")
                stop.sleep(delay)
                continue
            }
            wake.wait(upTo: wait, stop: stop)
        }
    }

    /// Runs `body` with every sender looping beside it on a thread of its own (each woken by the `ring` handed to
    /// `body`), then stops them once `body` returns or throws, letting each finish what it has in flight.
    public static func alongside<T>(_ senders: [OutboxSender], stop: StopSignal,
                                    _ body: (_ ring: @escaping @Sendable () -> Void) throws -> T) rethrows -> T {
        let own = StopSignal(linkedTo: stop)
        let bells = senders.map { _ in Doorbell() }
        let group = DispatchGroup()
        for (sender, bell) in zip(senders, bells) {
            group.enter()
            let t = Thread {
                sender.loop(until: own, wake: bell)
                group.leave()
            }
            t.name = "outbox-\(sender.queue)"
            t.start()
        }
        defer {
            own.stop()
            group.wait()
        }
        return try body { for b in bells { b.ring() } }
    }
}
