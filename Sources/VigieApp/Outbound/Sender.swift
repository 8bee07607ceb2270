import Foundation
import Logging
import Synchronization
import VigieCore
import VigieStore

/// Sends a queue's due rows (an edition's deliveries, an outbox queue) over `connections` SMTP connections, paced by
/// one shared `SendPacer`.
///
/// Durability: before a message is handed to SMTP its row is `sending` (in the same commit that records the
/// connection's previous outcome), and it becomes `sent` only after the server's 2xx. A crash therefore leaves at most
/// one row per connection in `sending`, which the next run resends: at most `connections` duplicates, nobody skipped.
///
/// Relay faults (connection, TLS, AUTH, a refused EHLO or MAIL FROM) give the row back untouched. A connection
/// reconnects with backoff and retires after `maxRelayFaults` in a row; a fault that cannot clear (certificate,
/// credentials, settings) stops the whole run at once. `run` then throws `RelayError`, after every connection has
/// finished and recorded what it had in flight.
public final class Sender<Queue: SendQueue>: Sendable {
    public typealias Item = Queue.Item
    public typealias TransportFactory = @Sendable () -> any MailTransport
    typealias Instant = ContinuousClock.Instant

    let queue: Queue
    let settings: DispatchSettings
    let machine: DeliveryStateMachine
    let makeTransport: TransportFactory
    let logger: Logger
    let stop: StopSignal
    let waitForDeferred: Bool
    /// The queue's lease: a row is taken for the wire only while it holds.
    let fence: LeaseFence?
    let clock = ContinuousClock()

    /// What the connections share; reachable only through the mutex.
    private struct State {
        var batch: [Item] = []
        var queueIndex = 0
        var inFlight: Set<Int64> = []
        var pacer: SendPacer<Instant>
        var summary = SendSummary()
        var storeError: (any Error)?
        /// The fault that stopped the run at once, if any.
        var fatalFault: RelayFault?
        /// Connections that gave up on the relay, and the last fault that made one give up.
        var retired = 0
        var retiredFault: RelayFault?
        var leaseLost = false
    }

    private let state: Mutex<State>
    /// The connections' commits (previous outcome + next row `sending`), grouped when they coincide.
    private let commits: GroupCommit<SendRecord<Item>, TakeOutcome?>

    public init(
        queue: Queue, settings: DispatchSettings, makeTransport: @escaping TransportFactory, logger: Logger,
        stop: StopSignal, waitForDeferred: Bool = true, fence: LeaseFence? = nil
    ) {
        self.fence = fence
        self.queue = queue
        self.settings = settings
        self.machine = DeliveryStateMachine(settings: settings)
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
        self.commits = GroupCommit { [queue] calls in try queue.recordAll(calls, fence: fence) }
    }

    /// Counts so far (for progress display).
    public var progress: SendSummary { state.withLock { $0.summary } }

    /// Runs until nothing is left to attempt (or, without `waitForDeferred`, until only deferred rows are left),
    /// or until `stop` is raised; the messages in flight are always finished and recorded.
    public func run() throws -> SendSummary {
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
        let grouped = commits.counts
        logger.debug("\(grouped.requests) records in \(grouped.commits) commits")
        let end = state.withLock { $0 }
        if let e = end.storeError { throw e }
        if let fence, end.leaseLost {
            throw LeaseError.lost(job: fence.job, to: try? queue.store.leaseHolder(job: fence.job))
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
        var unrecorded: SendOutcome?
        var rng = SystemRandomNumberGenerator()
        // After a drop or a fault, no new connection before this instant; waited only if there is more to send,
        // so a run whose last message failed ends at once instead of sleeping out the backoff.
        var reconnectAt: Instant?
        defer {
            if let u = unrecorded { persist(u) }
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
                    logger.info("\(queue.logName(of: d)): \(reason)")
                    continue
                }
                if taken == .notDue { continue }
                break  // the store failed or the lease was lost: the run stops
            }
            if transport == nil || onConnection >= settings.maxMessagesPerConnection {
                transport = makeTransport()
                onConnection = 0
            }
            let message: ComposedMessage
            do {
                message = try queue.compose(d)
            } catch {
                // Nothing reached the wire: the row goes back as it was taken, and the run stops on the store's error.
                _ = giveBack(d)
                storeFailed(error)
                break
            }
            let reply = transport!.send(from: message.envelopeFrom, to: queue.recipient(of: d), message: message.bytes)
            onConnection += 1
            let now = clock.now
            let attempt = queue.attempts(of: d) + 1
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
        _ d: Item, reply: SMTPReply, messageID: String, state: DeliveryState<Instant>,
        now: Instant, attempt: Int, unrecorded: inout SendOutcome?
    ) {
        var update = SendOutcome(
            key: queue.key(of: d), state: .sending, attempts: attempt, nextAttemptAt: nil,
            code: reply.code == 0 ? nil : reply.code, reply: Self.clip(reply.text),
            messageID: messageID)
        switch state {
        case .sent:
            update.state = .sent
        case .failed(let reason):
            update.state = .failed
            update.reply = Self.clip(reason)
            // Recipients are named by id at info level and above; the address only at debug (GDPR).
            logger.warning("\(queue.logName(of: d)): failed: \(queue.loggable(reason, for: d))")
            logger.debug("\(queue.logName(of: d)) is \(queue.recipient(of: d))")
        case .deferred(let until, _):
            update.state = .deferred
            update.nextAttemptAt = Date().addingTimeInterval(Self.seconds(until - now))
            let wait = Int(Self.seconds(until - now))
            logger.info(
                """
                \(queue.logName(of: d)): deferred (\(Self.clip(queue.loggable(reply.text, for: d)))), retry in \(wait) s
                """)
            logger.debug("\(queue.logName(of: d)) is \(queue.recipient(of: d))")
        case .pending, .sending:
            update.state = .pending
        }
        if update.state == .sent {
            unrecorded = update
        } else {
            persist(update)
        }
        finish(d, update)
    }

    /// Puts a row taken for sending back as it was; false (and the error kept) if the store failed.
    private func giveBack(_ d: Item) -> Bool {
        defer { release(d) }
        return storing { try queue.giveBack(d) }
    }

    /// Records `update` (if any) and marks `next` as `sending`; false (and the error kept) if the store failed.
    @discardableResult
    private func persist(_ update: SendOutcome?) -> Bool {
        guard let update else { return true }
        return storing { _ = try commits.submit(SendRecord(outcome: update, take: nil)) }
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
    private func take(_ d: Item, recording update: SendOutcome?) -> TakeOutcome? {
        do {
            let outcome = try commits.submit(SendRecord(outcome: update, take: d))
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
    private func take() -> Item? {
        while !stop.isStopped {
            let (next, waitSeconds) = state.withLock { s -> (Item?, Double) in
                if s.queueIndex < s.batch.count {
                    let d = s.batch[s.queueIndex]
                    s.queueIndex += 1
                    s.inFlight.insert(queue.key(of: d))
                    return (d, 0)
                }
                do {
                    let inFlight = s.inFlight
                    let due = try queue.due(now: Date(), limit: 1000)
                        .filter { !inFlight.contains(queue.key(of: $0)) }
                    if !due.isEmpty {
                        s.batch = due
                        s.queueIndex = 1
                        s.inFlight.insert(queue.key(of: due[0]))
                        return (due[0], 0)
                    }
                    // Nothing due now: wait for in-flight outcomes or the next deferred retry, or finish.
                    let nextDeferred = try queue.nextDeferred()
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

    private func release(_ d: Item) {
        _ = state.withLock { $0.inFlight.remove(queue.key(of: d)) }
    }

    private func finish(_ d: Item, _ u: SendOutcome) {
        state.withLock { s in
            s.inFlight.remove(queue.key(of: d))
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
