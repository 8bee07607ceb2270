import Foundation
import Logging
import Synchronization
import VigieCore
import VigieStore

/// Sends an edition's due deliveries over `connections` SMTP connections, paced by one shared `SendPacer`.
///
/// Durability: before a message is handed to SMTP its row is `sending` (in the same commit that records the
/// connection's previous outcome), and it becomes `sent` only after the server's 2xx. A crash therefore leaves at most
/// one row per connection in `sending`, which the next run resends: at most `connections` duplicates, nobody skipped.
///
/// Relay faults (connection, TLS, AUTH, a refused EHLO or MAIL FROM) give the row back untouched. A connection
/// reconnects with backoff and retires after `maxRelayFaults` in a row; a fault that cannot clear (certificate,
/// credentials, settings) stops the whole run at once. `run` then throws `RelayError`, after every connection has
/// finished and recorded what it had in flight.
public final class Dispatcher: Sendable {
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

    /// What the connections share; reachable only through the mutex.
    private struct State {
        var queue: [Delivery] = []
        var queueIndex = 0
        var inFlight: Set<Int64> = []
        var pacer: SendPacer<Instant>
        var summary = Summary()
        var storeError: (any Error)?
        /// The fault that stopped the run at once, if any.
        var fatalFault: RelayFault?
        /// Connections that gave up on the relay, and the last fault that made one give up.
        var retired = 0
        var retiredFault: RelayFault?
        var leaseLost = false
    }

    private let state: Mutex<State>

    public init(
        store: Store, editionID: String, settings: DispatchSettings, compose: @escaping Composer,
        makeTransport: @escaping TransportFactory, logger: Logger, stop: StopSignal,
        waitForDeferred: Bool = true, fence: LeaseFence? = nil
    ) {
        self.fence = fence
        self.store = store
        self.editionID = editionID
        self.settings = settings
        self.machine = DeliveryStateMachine(settings: settings)
        self.compose = compose
        self.makeTransport = makeTransport
        self.logger = logger
        // Linked: a relay fault stops this run without raising the caller's signal (which means "interrupted").
        self.stop = StopSignal(linkedTo: stop)
        self.waitForDeferred = waitForDeferred
        // Paced 1.5 % under the configured rate: a connection's first message arrives later than its slot (connect,
        // EHLO), so exact pacing could let the relay see rate + 1 messages in some second. 0.985 R still meets R.
        var paced = settings
        paced.ratePerSecond = settings.ratePerSecond * 0.985
        self.state = Mutex(State(pacer: SendPacer(settings: paced)))
    }

    /// Counts so far (for progress display).
    public var progress: Summary { state.withLock { $0.summary } }

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
        let end = state.withLock { $0 }
        if let e = end.storeError { throw e }
        if let fence, end.leaseLost {
            throw LeaseError.lost(job: fence.job, to: try? store.leaseHolder(job: fence.job))
        }
        let connections = max(1, settings.connections)
        if let fault = end.fatalFault { throw RelayError(fault: fault) }
        if end.retired >= connections, let fault = end.retiredFault {
            throw RelayError(fault: fault, attempts: machine.maxRelayFaults)
        }
        return end.summary
    }

    // MARK: - Worker

    private func worker(index: Int) {
        var transport: (any MailTransport)?
        var onConnection = 0
        var connectionFailures = 0
        var unrecorded: DeliveryUpdate?
        var rng = SystemRandomNumberGenerator()
        // After a drop or a fault, no new connection before this instant; waited only if there is more to send,
        // so a run whose last message failed ends at once instead of sleeping out the backoff.
        var reconnectAt: Instant?
        defer {
            if let u = unrecorded { persist(u, next: nil) }
        }
        while let d = take() {
            if let t = reconnectAt {
                reconnectAt = nil
                if !sleep(until: t) {
                    release(d)
                    break
                }
            }
            // Pace: book a slot, wait for it (a stop request during the wait gives the delivery back untouched).
            let slot = state.withLock { s in s.pacer.reserve(at: clock.now) }
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
                    state.withLock { $0.summary.skipped += 1 }
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
            let event = DeliveryEvent(reply: reply)
            guard
                let transition = machine.handle(
                    event, in: .sending(attempt: attempt),
                    now: now, connectionFailures: connectionFailures, random: &rng)
            else { continue }
            if case .relayFault = event {
                // Not the recipient's doing: the row goes back exactly as it was taken (state, attempts, reply).
                guard giveBack(d) else { break }
            } else {
                record(
                    d, reply: reply, messageID: message.messageID, state: transition.state, now: now,
                    attempt: attempt, unrecorded: &unrecorded)
            }
            var reconnected = false
            var leave = false
            for action in transition.actions {
                switch action {
                case .keep:
                    connectionFailures = 0
                case .reconnect(let after):
                    transport = nil
                    connectionFailures += 1
                    reconnected = true
                    state.withLock { $0.summary.reconnects += 1 }
                    let delay = String(format: "%.1f", Self.seconds(after))
                    if case .relayFault(let fault) = event {
                        logger.warning(
                            """
                            connection \(index): \(fault.cause); new connection in \(delay) s \
                            (fault \(connectionFailures) of \(machine.maxRelayFaults) in a row)
                            """)
                    } else {
                        logger.info("connection \(index): new connection in \(delay) s")
                    }
                    reconnectAt = clock.now.advanced(by: after)
                case .slowDown:
                    let rate = state.withLock { s in
                        s.pacer.slowDown(at: clock.now)
                        return s.pacer.currentRate
                    }
                    logger.warning("the relay pushed back (421): slowing down to \(rate)/s")
                case .retire(let fault):
                    transport = nil
                    leave = true
                    let remaining = state.withLock { s -> Int in
                        s.retired += 1
                        s.retiredFault = fault
                        return max(1, settings.connections) - s.retired
                    }
                    let others = remaining > 0 ? "; \(remaining) connections go on" : ""
                    logger.error(
                        """
                        connection \(index): giving up after \(machine.maxRelayFaults) relay faults in a row: \
                        \(fault.cause)\(others)
                        """)
                case .stopRun(let fault):
                    transport = nil
                    leave = true
                    let first = state.withLock { s -> Bool in
                        defer { if s.fatalFault == nil { s.fatalFault = fault } }
                        return s.fatalFault == nil
                    }
                    stop.stop()
                    if first { logger.error("stopping the run: \(fault.cause)") }
                }
            }
            if leave { break }
            if reconnected { onConnection = 0 }
        }
    }

    /// Records a finished attempt's outcome: a 2xx waits in `unrecorded` for the next row's `sending` mark (one
    /// commit per message), deferrals and failures are written at once so the queue knows when a retry is due.
    private func record(
        _ d: Delivery, reply: SMTPReply, messageID: String, state: DeliveryState<Instant>,
        now: Instant, attempt: Int, unrecorded: inout DeliveryUpdate?
    ) {
        var update = DeliveryUpdate(
            subscriberID: d.subscriberID, state: .sending, attempts: attempt,
            code: reply.code == 0 ? nil : reply.code, reply: Self.clip(reply.text),
            messageID: messageID)
        switch state {
        case .sent:
            update.state = .sent
        case .failed(let reason):
            update.state = .failed
            update.reply = Self.clip(reason)
            // Subscribers are named by id at info level and above; the address only at debug (GDPR).
            logger.warning("subscriber \(d.subscriberID): failed: \(reason)")
            logger.debug("subscriber \(d.subscriberID) is \(d.email)")
        case .deferred(let until, _):
            update.state = .deferred
            update.nextAttemptAt = Date().addingTimeInterval(Self.seconds(until - now))
            let wait = Int(Self.seconds(until - now))
            logger.info("subscriber \(d.subscriberID): deferred (\(Self.clip(reply.text))), retry in \(wait) s")
            logger.debug("subscriber \(d.subscriberID) is \(d.email)")
        case .pending, .sending:
            update.state = .pending
        }
        if update.state == .sent {
            unrecorded = update
        } else {
            persist(update, next: nil)
        }
        finish(d, update)
    }

    /// Puts a row taken for sending back as it was; false (and the error kept) if the store failed.
    private func giveBack(_ d: Delivery) -> Bool {
        defer { release(d) }
        return storing { try store.releaseDelivery(editionID: editionID, subscriberID: d.subscriberID, to: d.state) }
    }

    /// Records `update` (if any) and marks `next` as `sending`; false (and the error kept) if the store failed.
    @discardableResult
    private func persist(_ update: DeliveryUpdate?, next: Int64?) -> Bool {
        guard update != nil || next != nil else { return true }
        return storing { try store.record(editionID: editionID, result: update, nextSending: next) }
    }

    /// Runs a store write; on failure keeps the first error and stops the run (false).
    private func storing(_ write: () throws -> Void) -> Bool {
        do {
            try write()
            return true
        } catch {
            storeFailed(error)
            return false
        }
    }

    /// Keeps the first store error and stops the run.
    private func storeFailed(_ error: any Error) {
        state.withLock { s in
            if s.storeError == nil { s.storeError = error }
        }
        stop.stop()
        logger.error("store: \(error)")
    }

    /// Records `update` and takes `d` for the wire (lease and subscriber checked by the same statement); nil if the
    /// store failed. A lost lease stops the run.
    private func take(_ d: Delivery, recording update: DeliveryUpdate?) -> TakeOutcome? {
        do {
            let outcome = try store.record(
                editionID: editionID, result: update, nextSending: d.subscriberID,
                fence: fence)
            if outcome == .leaseLost {
                state.withLock { $0.leaseLost = true }
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
            let (next, waitSeconds) = state.withLock { s -> (Delivery?, Double) in
                if s.queueIndex < s.queue.count {
                    let d = s.queue[s.queueIndex]
                    s.queueIndex += 1
                    s.inFlight.insert(d.subscriberID)
                    return (d, 0)
                }
                do {
                    let inFlight = s.inFlight
                    let due = try store.dueDeliveries(editionID: editionID, now: Date(), limit: 1000)
                        .filter { !inFlight.contains($0.subscriberID) }
                    if !due.isEmpty {
                        s.queue = due
                        s.queueIndex = 1
                        s.inFlight.insert(due[0].subscriberID)
                        return (due[0], 0)
                    }
                    // Nothing due now: wait for in-flight outcomes or the next deferred retry, or finish.
                    let nextDeferred = try store.nextDeferredAttempt(editionID: editionID)
                    if s.inFlight.isEmpty && (nextDeferred == nil || !waitForDeferred) { return (nil, 0) }
                    var wait = min(1, max(0.02, nextDeferred?.timeIntervalSinceNow ?? 0.05))
                    if !s.inFlight.isEmpty { wait = min(wait, 0.05) }
                    return (nil, wait)
                } catch {
                    if s.storeError == nil { s.storeError = error }
                    stop.stop()
                }
                return (nil, 0)
            }
            if let next { return next }
            if waitSeconds == 0 { return nil }
            stop.sleep(waitSeconds)
        }
        return nil
    }

    private func release(_ d: Delivery) {
        _ = state.withLock { $0.inFlight.remove(d.subscriberID) }
    }

    private func finish(_ d: Delivery, _ u: DeliveryUpdate) {
        state.withLock { s in
            s.inFlight.remove(d.subscriberID)
            switch u.state {
            case .sent: s.summary.sent += 1
            case .failed: s.summary.failed += 1
            case .deferred: s.summary.deferred += 1
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
