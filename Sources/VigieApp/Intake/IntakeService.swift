import Foundation
import Logging
import Synchronization
import VigieCore
import VigieMail
import VigieStore

/// Runs intake queues: once (`poll --once`) or for ever, with IDLE where offered and backoff on transient errors.
public final class IntakeService: Sendable {
    let runners: [IntakeRunner]
    let clusters: ClusterService?
    let logger: Logger
    /// Called after a pass that stored new mail (e.g. to wake the acknowledgements' sender).
    let afterPass: (@Sendable () -> Void)?

    public init(
        runners: [IntakeRunner], clusters: ClusterService? = nil, logger: Logger,
        afterPass: (@Sendable () -> Void)? = nil
    ) {
        self.runners = runners
        self.clusters = clusters
        self.logger = logger
        self.afterPass = afterPass
    }

    /// One pass over every queue, each under its mailbox's lease (`poll:MAILBOX`); the first failure is rethrown
    /// after the other queues had their turn. A mailbox another runner polls is refused (`LeaseError.held`), or
    /// waited for with `waitForLease`.
    public func pollOnce(waitForLease: Bool = false, leaseTiming: LeaseTiming = .standard) throws -> IntakeStats {
        var total = IntakeStats()
        var firstError: (any Error)?
        for runner in runners {
            do {
                let lease = try JobLease.acquire(
                    runner.leaseJob, store: runner.store, wait: waitForLease,
                    timing: leaseTiming, logger: runner.logger)
                defer { lease.release() }
                let s = try runner.pollOnce(lease: lease)
                try? runner.store.recordIntakePass(queue: runner.queue.name, error: nil)
                runner.logger.info("\(s.summary)")
                total = total + s
            } catch let e as LeaseError {
                if firstError == nil { firstError = e }
            } catch {
                let failure = IntakeError.queueFailed(
                    queue: runner.queue,
                    underlying: StoreError(error, store: runner.store) ?? error)
                runner.logger.error("\(failure)")
                try? runner.store.recordIntakePass(queue: runner.queue.name, error: "\(failure)")
                if firstError == nil { firstError = failure }
            }
        }
        if let firstError { throw firstError }
        return total
    }

    /// Runs every queue on a thread of its own until `stop` is raised; never returns early on transient errors.
    /// A fault no retry can cure (the database file deleted or replaced) stops every queue and is rethrown.
    /// Each mailbox's lease is taken first (all or none: `LeaseError.held` unless `waitForLease`) and held until the
    /// end; a lease lost meanwhile stops every queue and is rethrown.
    public func run(until stop: StopSignal, waitForLease: Bool = false, leaseTiming: LeaseTiming = .standard) throws {
        var leases: [JobLease] = []
        defer { for l in leases { l.release() } }
        let fatal = FatalError()
        for runner in runners {
            leases.append(
                try JobLease.acquire(
                    runner.leaseJob, store: runner.store, wait: waitForLease, stop: stop,
                    timing: leaseTiming, logger: runner.logger, onLost: { stop.stop() }))
        }
        let group = DispatchGroup()
        for (runner, lease) in zip(runners, leases) {
            group.enter()
            let thread = Thread {
                if let error = Self.loop(runner, stop: stop, lease: lease, afterPass: self.afterPass) {
                    // The other queues finish their batch and stop: one of them may share the vanished file.
                    fatal.record(IntakeError.queueFailed(queue: runner.queue, underlying: error))
                    stop.stop()
                }
                group.leave()
            }
            thread.name = "intake-\(runner.queue.name)"
            thread.start()
        }
        if let clusters {
            // Short links are resolved on a thread of their own: a slow shortener never delays intake.
            group.enter()
            let thread = Thread {
                while !stop.isStopped {
                    do {
                        let r = try clusters.resolveShortLinks(limit: 50)
                        if r.resolved + r.failed > 0 {
                            self.logger.info("short links: \(r.resolved) resolved, \(r.failed) to retry")
                        }
                    } catch {
                        self.logger.warning("short-link resolution: \(error)")
                    }
                    stop.sleep(30)
                }
                group.leave()
            }
            thread.name = "short-links"
            thread.start()
        }
        group.wait()
        if let error = fatal.first { throw error }
        if let lost = leases.first(where: \.isLost) {
            throw LeaseError.lost(job: lost.job, to: try? runners[0].store.leaseHolder(job: lost.job))
        }
    }

    /// Polls one queue until stopped; returns the fault that ended it early, if one did (a lost lease stops every
    /// queue and is reported by `run`).
    static func loop(
        _ runner: IntakeRunner, stop: StopSignal, lease: JobLease,
        afterPass: (@Sendable () -> Void)? = nil
    ) -> (any Error)? {
        let q = runner.queue
        let log = runner.logger
        let reconnect = Backoff.intakeReconnect
        var failures = 0
        var rng = SystemRandomNumberGenerator()
        var session: (any MailboxSession)?
        while !stop.isStopped {
            do {
                if session == nil {
                    session = try runner.makeSession(q.endpoint, log)
                    log.info("connected to \(q.endpoint.host):\(q.endpoint.port) as \(q.endpoint.user)")
                }
                guard let s = session else { continue }
                let stats = try runner.pass(s, stop: stop, lease: lease)
                if stats.fetched > 0 || stats.parsed > 0 { log.info("\(stats.summary)") }
                if stats.stored > 0 { afterPass?() }
                try? runner.store.recordIntakePass(queue: q.name, error: nil)
                failures = 0
                if q.idle && s.capabilities.contains("IDLE") {
                    // IDLE in short slices so a stop request is honoured quickly; re-check at the poll interval anyway.
                    let deadline = Date().addingTimeInterval(Double(q.pollIntervalSeconds))
                    while !stop.isStopped && Date() < deadline {
                        if try s.idle(timeout: min(10, max(1, deadline.timeIntervalSinceNow))) { break }
                    }
                } else {
                    stop.sleep(Double(q.pollIntervalSeconds))
                }
            } catch {
                session?.logout()
                if lease.isLost {
                    stop.stop()
                    return nil
                }
                session = nil
                let explained = StoreError(error, store: runner.store)
                if case .replaced? = explained {
                    log.error("\(explained!)")
                    return explained
                }
                let failure = IntakeError.queueFailed(queue: q, underlying: explained ?? error)
                try? runner.store.recordIntakePass(queue: q.name, error: "\(failure)")
                let delay = reconnect.delay(attempt: failures, using: &rng).inSeconds
                failures += 1
                log.warning("\(failure); retrying in \(Int(delay)) s")
                stop.sleep(delay)
            }
        }
        session?.logout()
        return nil
    }
}

/// The first fatal error of a group of threads (intake queues, serve's jobs).
final class FatalError: Sendable {
    private let error = Mutex<(any Error)?>(nil)

    var first: (any Error)? { error.withLock { $0 } }

    func record(_ e: any Error) { error.withLock { if $0 == nil { $0 = e } } }
}

/// Intake failures, one line each, naming the queue and its server, and saying what to do about the cause.
public enum IntakeError: Error, CustomStringConvertible {
    case queueFailed(queue: IntakeQueue, underlying: any Error)

    public var description: String {
        switch self {
        case .queueFailed(let q, let e):
            let queue = "queue \(q.name) (imap \(q.endpoint.host):\(q.endpoint.port), mailbox \(q.mailbox))"
            switch e {
            case let store as StoreError:
                switch store {
                case .diskFull: return "\(queue): \(store); nothing was moved on the server"
                default: return "\(queue): \(store)"
                }
            case let imap as EtpanError:
                return "\(queue): \(imap); \(Self.hint(imap, queue: q))"
            default:
                return "\(queue): \(e)"
            }
        }
    }

    /// What the operator can do about an IMAP failure, by its cause.
    static func hint(_ e: EtpanError, queue q: IntakeQueue) -> String {
        if let seconds = e.timedOutAfter {
            return "the server accepted the connection but stopped answering for \(seconds) s (timeout_seconds in "
                + "\(q.file)); is it overloaded or is a firewall dropping the traffic?"
        }
        switch e.kind {
        case .certificate:
            return "the server's certificate is not trusted: set ca_file in \(q.file) to the CA that signed it "
                + "(or tls_verify = false for a test server)"
        case .tls:
            return "TLS could not be set up: does the port speak TLS? (imaps:// for implicit TLS, starttls = true "
                + "for STARTTLS, in \(q.file))"
        case .connection:
            return "is the IMAP server up and listening there? (url in \(q.file); deploy/local/servers.sh start for "
                + "the local one)"
        case .authentication:
            return "check user and password in \(q.file)"
        case .protocolError:
            return "the server refused the command: check mailbox and processed_mailbox in \(q.file)"
        case .parse, .other:
            return "see the server's log for this session"
        }
    }
}
