import Foundation
import Synchronization

/// A flag raised by SIGINT/SIGTERM (or a test) asking long-running loops to finish what is in flight and return.
public final class StopSignal: Sendable {
    private let stopped = Mutex(false)
    private let parent: StopSignal?

    public init() { parent = nil }

    /// A signal raised by its own `stop()` or by `parent`'s: a job can stop itself without raising the caller's.
    public init(linkedTo parent: StopSignal) { self.parent = parent }

    /// True once a stop was requested (here or on the parent).
    public var isStopped: Bool { stopped.withLock { $0 } || parent?.isStopped == true }

    /// Requests a stop.
    public func stop() { stopped.withLock { $0 = true } }

    /// Sleeps up to `seconds`, waking early when a stop is requested; returns false if stopped.
    @discardableResult
    public func sleep(_ seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if isStopped { return false }
            Thread.sleep(forTimeInterval: min(0.1, max(0, deadline.timeIntervalSinceNow)))
        }
        return !isStopped
    }
}
