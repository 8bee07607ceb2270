import Foundation

/// A flag raised by SIGINT/SIGTERM (or a test) asking long-running loops to finish what is in flight and return.
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    public init() {}

    /// True once a stop was requested.
    public var isStopped: Bool { lock.withLock { stopped } }

    /// Requests a stop.
    public func stop() { lock.withLock { stopped = true } }

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
