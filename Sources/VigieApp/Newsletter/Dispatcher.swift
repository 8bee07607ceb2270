import Foundation
import Logging
import VigieCore
import VigieStore

/// Sends an edition's due deliveries over `connections` SMTP connections, paced by one shared `SendPacer`.
///
/// Durability: before a message is handed to SMTP its row is `sending` (in the same commit that records the
/// connection's previous outcome), and it becomes `sent` only after the server's 2xx. A crash therefore leaves at most
/// one row per connection in `sending`, which the next run resends: at most `connections` duplicates, nobody skipped.
public final class Dispatcher: @unchecked Sendable {
    public typealias TransportFactory = @Sendable () -> any MailTransport
    public typealias Composer = @Sendable (Delivery) -> (envelopeFrom: String, messageID: String, bytes: [UInt8])
    typealias Instant = ContinuousClock.Instant

    /// What a run did.
    public struct Summary: Sendable, Equatable {
        public var sent = 0
        public var failed = 0
        public var deferred = 0
        public var reconnects = 0
        /// Closed without sending: the subscriber withdrew before their message was taken.
        public var skipped = 0
    }

    let store: Store
    let editionID: String
    let settings: DispatchSettings
    let machine: DeliveryStateMachine
    let compose: Composer
    let makeTransport: TransportFactory
    let logger: Logger
    let stop: StopSignal
    let waitForDeferred: Bool
    /// The edition's lease: a row is taken for the wire only while it holds.
    let fence: LeaseFence?
    let clock = ContinuousClock()

    private let lock = NSLock()
    private var queue: [Delivery] = []
    private var queueIndex = 0
    private var inFlight: Set<Int64> = []
    private var pacer: SendPacer<Instant>
    private var lastSlowDown: Instant?
    private var summary = Summary()
    private var storeError: Error?
    private var leaseLost = false

    public init(store: Store, editionID: String, settings: DispatchSettings, compose: @escaping Composer,
                makeTransport: @escaping TransportFactory, logger: Logger, stop: StopSignal,
                waitForDeferred: Bool = true, fence: LeaseFence? = nil) {
        self.fence = fence
        self.store = store
        self.editionID = editionID
        self.settings = settings
        self.machine = DeliveryStateMachine(settings: settings)
        self.compose = compose
        self.makeTransport = makeTransport
        self.logger = logger
        self.stop = stop
        self.waitForDeferred = waitForDeferred
        // Paced 1.5 % under the configured rate: a connection's first message arrives later than its slot (connect,
        // EHLO), so exact pacing could let the relay see rate + 1 messages in some second. 0.985 R still meets R.
        var paced = settings
        paced.ratePerSecond = settings.ratePerSecond * 0.985
        self.pacer = SendPacer(settings: paced)
    }

    /// Counts so far (for progress display).
    public var progress: Summary { lock.withLock { summary } }

    /// Runs until nothing is left to attempt (or, without `waitForDeferred`, until only deferred rows are left),
    /// or until `stop` is raised; the messages in flight are always finished and recorded.
    public func run() throws -> Summary {
        let group = DispatchGroup()
        for i in 0..<max(1, settings.connections) {
            group.enter()
            let t = Thread { [self] in
                worker(index: i)
                group.leave()
            }
            t.name = "smtp-\(i)"
            t.stackSize = 1 << 20
            t.start()
        }
        group.wait()
        if let e = lock.withLock({ storeError }) { throw e }
        if let fence, lock.withLock({ leaseLost }) {
            throw LeaseError.lost(job: fence.job, to: try? store.leaseHolder(job: fence.job))
        }
        return lock.withLock { summary }
    }

    // MARK: - Worker

    private func worker(index: Int) {
        var transport: (any MailTransport)?
        var onConnection = 0
        var connectionFailures = 0
        var unrecorded: DeliveryUpdate?
        var rng = SystemRandomNumberGenerator()
        defer {
            if let u = unrecorded { persist(u, next: nil) }
        }
        while let d = take() {
            // Pace: book a slot, wait for it (a stop request during the wait gives the delivery back untouched).
            let slot = lock.withLock { () -> Instant in
                if let s = lastSlowDown, clock.now - s > .seconds(60) {
                    pacer.recover()
                    lastSlowDown = nil
                }
                return pacer.reserve(at: clock.now)
            }
            if !sleep(until: slot) {
                release(d)
                break
            }
            // Durable before the wire: previous outcome recorded, this row taken (`sending`), in one commit.
            let taken = take(d, recording: unrecorded)
            unrecorded = nil
            guard taken == .sending else {
                release(d)
                if case .skipped(let reason)? = taken {
                    lock.withLock { summary.skipped += 1 }
                    logger.info("subscriber \(d.subscriberID): \(reason)")
                    continue
                }
                if taken == .notDue { continue }
                break  // the store failed or the lease was lost: the run stops
            }
            if transport == nil || onConnection >= settings.maxMessagesPerConnection {
                transport = makeTransport()
                onConnection = 0
            }
            let message = compose(d)
            let reply = transport!.send(from: message.envelopeFrom, to: d.email, message: message.bytes)
            onConnection += 1
            let now = clock.now
            let attempt = d.attempts + 1
            guard let transition = machine.handle(DeliveryEvent(reply: reply), in: .sending(attempt: attempt),
                                                  now: now, connectionFailures: connectionFailures, random: &rng)
            else { continue }
            var update = DeliveryUpdate(subscriberID: d.subscriberID, state: .sending, attempts: attempt,
                                        code: reply.code == 0 ? nil : reply.code, reply: Self.clip(reply.text),
                                        messageID: message.messageID)
            switch transition.state {
            case .sent:
                update.state = .sent
            case .failed(let reason):
                update.state = .failed
                update.reply = Self.clip(reason)
                logger.warning("\(d.email): failed: \(reason)")
            case .deferred(let until, _):
                update.state = .deferred
                update.nextAttemptAt = Date().addingTimeInterval(Self.seconds(until - now))
                let wait = Int(Self.seconds(until - now))
                logger.info("\(d.email): deferred (\(Self.clip(reply.text))), retry in \(wait) s")
            case .pending, .sending:
                update.state = .pending
            }
            if update.state == .sent {
                // Recorded with the next row's `sending` mark: one commit per message in the common case.
                unrecorded = update
            } else {
                // Deferrals and failures are written at once, so the queue knows when the next retry falls due.
                persist(update, next: nil)
            }
            finish(d, update)
            var reconnected = false
            for action in transition.actions {
                switch action {
                case .keep:
                    connectionFailures = 0
                case .reconnect(let after):
                    transport = nil
                    connectionFailures += 1
                    reconnected = true
                    lock.withLock { summary.reconnects += 1 }
                    logger.info("connection \(index): reconnecting in \(String(format: "%.1f", Self.seconds(after))) s")
                    _ = stop.sleep(Self.seconds(after))
                case .slowDown:
                    lock.withLock {
                        pacer.slowDown()
                        lastSlowDown = clock.now
                    }
                    logger.warning("the relay pushed back (421): slowing down to \(pacer.currentRate)/s")
                }
            }
            if reconnected { onConnection = 0 }
        }
    }

    /// Records `update` (if any) and marks `next` as `sending`; false (and the error kept) if the store failed.
    @discardableResult
    private func persist(_ update: DeliveryUpdate?, next: Int64?) -> Bool {
        guard update != nil || next != nil else { return true }
        do {
            try store.record(editionID: editionID, result: update, nextSending: next)
            return true
        } catch {
            storeFailed(error)
            return false
        }
    }

    /// Keeps the first store error and stops the run.
    private func storeFailed(_ error: Error) {
        lock.withLock {
            if storeError == nil { storeError = error }
        }
        stop.stop()
        logger.error("store: \(error)")
    }

    /// Records `update` and takes `d` for the wire (lease and subscriber checked by the same statement); nil if the
    /// store failed. A lost lease stops the run.
    private func take(_ d: Delivery, recording update: DeliveryUpdate?) -> TakeOutcome? {
        do {
            let outcome = try store.record(editionID: editionID, result: update, nextSending: d.subscriberID,
                                           fence: fence)
            if outcome == .leaseLost {
                lock.withLock { leaseLost = true }
                stop.stop()
            }
            return outcome
        } catch {
            storeFailed(error)
            return nil
        }
    }

    // MARK: - Shared queue

    /// The next due delivery, or nil when the run is over.
    private func take() -> Delivery? {
        while !stop.isStopped {
            var waitSeconds = 0.0
            let next: Delivery? = lock.withLock {
                if queueIndex < queue.count {
                    let d = queue[queueIndex]
                    queueIndex += 1
                    inFlight.insert(d.subscriberID)
                    return d
                }
                do {
                    let due = try store.dueDeliveries(editionID: editionID, now: Date(), limit: 1000)
                        .filter { !inFlight.contains($0.subscriberID) }
                    if !due.isEmpty {
                        queue = due
                        queueIndex = 1
                        inFlight.insert(due[0].subscriberID)
                        return due[0]
                    }
                    // Nothing due now: wait for in-flight outcomes or the next deferred retry, or finish.
                    let nextDeferred = try store.nextDeferredAttempt(editionID: editionID)
                    if inFlight.isEmpty && (nextDeferred == nil || !waitForDeferred) { return nil }
                    waitSeconds = min(1, max(0.02, nextDeferred?.timeIntervalSinceNow ?? 0.05))
                    if !inFlight.isEmpty { waitSeconds = min(waitSeconds, 0.05) }
                } catch {
                    if storeError == nil { storeError = error }
                    stop.stop()
                }
                return nil
            }
            if let next { return next }
            if waitSeconds == 0 { return nil }
            stop.sleep(waitSeconds)
        }
        return nil
    }

    private func release(_ d: Delivery) {
        _ = lock.withLock { inFlight.remove(d.subscriberID) }
    }

    private func finish(_ d: Delivery, _ u: DeliveryUpdate) {
        lock.withLock {
            inFlight.remove(d.subscriberID)
            switch u.state {
            case .sent: summary.sent += 1
            case .failed: summary.failed += 1
            case .deferred: summary.deferred += 1
            default: break
            }
        }
    }

    /// Sleeps until `instant`; false if a stop was requested meanwhile.
    private func sleep(until instant: Instant) -> Bool {
        let wait = Self.seconds(instant - clock.now)
        if wait <= 0 { return !stop.isStopped }
        return stop.sleep(wait)
    }

    static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    static func clip(_ s: String) -> String { s.count > 500 ? String(s.prefix(500)) + "…" : s }
}
