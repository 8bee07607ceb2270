import Foundation
import Logging
import Synchronization
import Testing
import VigieApp
import VigieStore

/// The lease use case: renewed while the job runs, lost when taken over, released at the end.
@Suite struct JobLeaseTests {
    final class Flag: Sendable {
        private let raised = Mutex(false)
        var isRaised: Bool { raised.withLock { $0 } }
        func raise() { raised.withLock { $0 = true } }
    }

    @Test func renewedWhileRunningLostWhenTakenOverReleasedAtTheEnd() throws {
        let dir = NSTemporaryDirectory() + "vigie-lease-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/vigie.sqlite")
        let timing = LeaseTiming(expirySeconds: 3, renewSeconds: 0.1, waitPollSeconds: 0.05)
        let lost = Flag()
        let lease = try JobLease.acquire(
            "newsletter:e", store: store, timing: timing, logger: Logger(label: "test"),
            onLost: { lost.raise() })
        let first = try #require(try store.leaseHolder(job: "newsletter:e"))
        #expect(first.pid == getpid())
        // Renewed in the background: the expiry moves forward while the job runs.
        #expect(
            try eventually(timeout: 20) {
                try store.leaseHolder(job: "newsletter:e")!.expiresAt > first.expiresAt.addingTimeInterval(0.3)
            })
        // A second runner of this process's host is refused: the holder (this process) is alive.
        #expect(throws: LeaseError.self) {
            _ = try JobLease.acquire("newsletter:e", store: store, timing: timing, logger: Logger(label: "test"))
        }
        try lease.check()
        // Taken over (as if this process had been presumed dead): the next renewal notices, the job is told.
        _ = try store.acquireLease(
            job: "newsletter:e", token: "other", pid: 1, host: "elsewhere", ttl: 30,
            isGone: { _ in true })
        #expect(eventually(timeout: 20) { lost.isRaised })
        #expect(lease.isLost)
        #expect(throws: LeaseError.self) { try lease.check() }
        // Releasing a lost lease leaves the new holder's in place.
        lease.release()
        #expect(try store.leaseHolder(job: "newsletter:e")?.token == "other")
        #expect(try store.releaseLease(job: "newsletter:e", token: "other"))

        // Waiting: a second runner with wait takes the job as soon as the first releases it.
        let a = try JobLease.acquire("poll:x", store: store, timing: timing, logger: Logger(label: "test"))
        let got = Flag()
        let t = Thread {
            if let b = try? JobLease.acquire(
                "poll:x", store: store, wait: true, timing: timing,
                logger: Logger(label: "test"))
            {
                got.raise()
                b.release()
            }
        }
        t.start()
        Thread.sleep(forTimeInterval: 0.3)
        #expect(!got.isRaised, "the waiter took a held lease")
        a.release()
        #expect(eventually(timeout: 20) { got.isRaised })
    }
}
