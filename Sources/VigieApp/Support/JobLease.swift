import Foundation
import Logging
import Synchronization
import VigieStore

#if canImport(Glibc)
import Glibc
#endif

/// How long a lease lives without renewal, how often its holder renews it, and how often a waiter retries.
public struct LeaseTiming: Sendable {
    /// A holder that stops renewing (kill -9 on another host, a frozen machine) loses its lease after this long.
    public var expirySeconds: Double
    public var renewSeconds: Double
    public var waitPollSeconds: Double

    public init(expirySeconds: Double = 30, renewSeconds: Double = 10, waitPollSeconds: Double = 1) {
        self.expirySeconds = expirySeconds
        self.renewSeconds = renewSeconds
        self.waitPollSeconds = waitPollSeconds
    }

    /// The shipped timing: expiry 30 s, renewed every 10 s.
    public static let standard = LeaseTiming()
}

/// A job already held by another runner, or a lease lost while running.
public enum LeaseError: Error, CustomStringConvertible {
    case held(LeaseHolder)
    case lost(job: String, to: LeaseHolder?)

    /// EX_TEMPFAIL (sysexits.h): the job is busy; try again later (or with --wait).
    public static let busyExitCode: Int32 = 75

    public var description: String {
        switch self {
        case .held(let h):
            return "job \(h.job) is already running: pid \(h.pid) on \(h.host) since \(Self.iso(h.since)); "
                + "wait for it to finish or run again with --wait"
        case .lost(let job, let h):
            let by = h.map { " to pid \($0.pid) on \($0.host) since \(Self.iso($0.since))" } ?? ""
            return "job \(job): lease lost\(by) (this run was presumed dead); stopped before any further side effect"
        }
    }

    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }
}

/// The lease of one job, held by this process: taken (or waited for), renewed on a thread of its own, released.
///
/// A holder on this host whose process is gone (kill -9) is taken over at once; one on another host only after its
/// lease expires. If a renewal finds the lease taken over, `isLost` turns true and `onLost` runs: the job must stop
/// before its next external side effect (`check()` or the store's fence say so).
public final class JobLease: Sendable {
    /// The job's name (`newsletter:ID`, `poll:MAILBOX`, `clusters:rebuild`).
    public let job: String
    let token: String
    let store: Store
    let timing: LeaseTiming
    let logger: Logger
    /// Whether a renewal found the lease taken over, and whether it was given up.
    private let state = Mutex((lost: false, released: false))
    private let done = StopSignal()
    private let onLost: (@Sendable () -> Void)?

    /// The fence the store checks before a statement with external effects.
    public var fence: LeaseFence { LeaseFence(job: job, token: token) }

    /// True once a renewal found the lease taken over.
    public var isLost: Bool { state.withLock { $0.lost } }

    /// Leases this process holds, for `releaseAll()` on the way out of a signal.
    private static let held = Mutex<[ObjectIdentifier: JobLease]>([:])

    /// Releases every lease this process holds (a SIGINT/SIGTERM handler that exits at once calls it).
    public static func releaseAll() {
        let all = held.withLock { Array($0.values) }
        for l in all { l.release() }
    }

    private init(
        job: String, token: String, store: Store, timing: LeaseTiming, logger: Logger,
        onLost: (@Sendable () -> Void)?
    ) {
        self.onLost = onLost
        self.job = job
        self.token = token
        self.store = store
        self.timing = timing
        self.logger = logger
    }

    /// Takes the lease of `job`; throws `LeaseError.held` if a live holder has it, unless `wait`, which retries until
    /// it is free (or `stop` is raised, which throws `held` too). `onLost` runs once if the lease is lost later.
    public static func acquire(
        _ job: String, store: Store, wait: Bool = false, stop: StopSignal? = nil,
        timing: LeaseTiming = .standard, logger: Logger,
        onLost: (@Sendable () -> Void)? = nil
    ) throws -> JobLease {
        let lease = JobLease(
            job: job, token: Self.newToken(), store: store, timing: timing, logger: logger,
            onLost: onLost)
        let host = Self.hostName
        var announced = false
        while true {
            let outcome = try store.acquireLease(
                job: job, token: lease.token, pid: getpid(), host: host,
                ttl: timing.expirySeconds
            ) { h in
                h.host == host && !Self.processExists(h.pid)
            }
            switch outcome {
            case .acquired(let previous):
                if let p = previous {
                    logger.warning(
                        "job \(job): lease of pid \(p.pid) on \(p.host) expired at \(LeaseError.iso(p.expiresAt)); taking it over"
                    )
                }
                lease.startRenewing()
                return lease
            case .tookOver(let p):
                logger.warning("job \(job): pid \(p.pid) on this host (\(p.host)) is gone; taking its lease over")
                lease.startRenewing()
                return lease
            case .held(let h):
                guard wait, stop?.isStopped != true else { throw LeaseError.held(h) }
                if !announced {
                    logger.info(
                        "job \(job) is held by pid \(h.pid) on \(h.host) since \(LeaseError.iso(h.since)); waiting")
                    announced = true
                }
                if let stop {
                    if !stop.sleep(timing.waitPollSeconds) { throw LeaseError.held(h) }
                } else {
                    Thread.sleep(forTimeInterval: timing.waitPollSeconds)
                }
            }
        }
    }

    /// Throws `LeaseError.lost` unless this process still holds the lease (asks the store, not a cached flag).
    public func check() throws {
        if try !isLost && store.holdsLease(job: job, token: token) { return }
        markLost()
        throw LeaseError.lost(job: job, to: try? store.leaseHolder(job: job))
    }

    /// Gives the lease up (idempotent); the renewal thread ends.
    public func release() {
        let first = state.withLock { s -> Bool in
            defer { s.released = true }
            return !s.released
        }
        guard first else { return }
        done.stop()
        _ = Self.held.withLock { $0.removeValue(forKey: ObjectIdentifier(self)) }
        do {
            try store.releaseLease(job: job, token: token)
        } catch {
            logger.warning(
                "job \(job): could not release its lease (\(error)); it expires in \(Int(timing.expirySeconds)) s")
        }
    }

    private func startRenewing() {
        Self.held.withLock { $0[ObjectIdentifier(self)] = self }
        let t = Thread { [self] in
            while done.sleep(timing.renewSeconds) {
                do {
                    if try !store.renewLease(job: job, token: token, ttl: timing.expirySeconds) {
                        markLost()
                        return
                    }
                } catch {
                    // A busy or failing store: the next renewal retries; the expiry leaves room for two misses.
                    logger.warning("job \(job): lease renewal failed: \(error)")
                }
            }
        }
        t.name = "lease"
        t.start()
    }

    private func markLost() {
        let first = state.withLock { s -> Bool in
            defer { s.lost = true }
            return !s.lost
        }
        guard first else { return }
        let holder = try? store.leaseHolder(job: job)
        logger.error("\(LeaseError.lost(job: job, to: holder))")
        onLost?()
    }

    static func newToken() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &rng)) }.joined()
    }

    /// This machine's name, as holders record it.
    static let hostName: String = {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        return String(cString: buf)
    }()

    /// False only when no process has this pid (ESRCH); a process we may not signal (EPERM) exists.
    static func processExists(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno != ESRCH
    }
}
