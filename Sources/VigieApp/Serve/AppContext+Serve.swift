import Foundation

extension AppContext {
    /// The supervisor behind `vigie serve`, over this configuration's jobs; `clock` is the scheduler's now.
    public func supervisor(
        timing: Supervisor.Timing = Supervisor.Timing(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) throws -> Supervisor {
        try Supervisor(context: self, timing: timing, clock: clock)
    }
}
