import Foundation
import Synchronization

/// Wakes a waiting loop early ("there is new work"); rings while nobody waits are kept until the next wait.
public final class Doorbell: Sendable {
    private let rung = Mutex(false)

    public init() {}

    /// Asks the waiter to look for work now.
    public func ring() { rung.withLock { $0 = true } }

    /// Waits up to `seconds` for a ring (consumed) or for `stop`; true when it rang.
    @discardableResult
    public func wait(upTo seconds: Double, stop: StopSignal) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !stop.isStopped {
            if rung.withLock({ r in defer { r = false }; return r }) { return true }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return false }
            Thread.sleep(forTimeInterval: min(0.02, left))
        }
        return false
    }
}
