import Foundation

/// The per-host politeness limit: at most one request to a host every `interval` seconds. Pure: `reserve` hands out
/// the time a request may start and books it; the caller waits until then.
public struct HostPacer: Sendable {
    public let interval: TimeInterval
    /// The next free start time per host.
    private var nextFree: [String: Date] = [:]

    public init(interval: TimeInterval) {
        self.interval = max(0, interval)
    }

    /// Books the earliest start for `host` not before `now`, and returns it.
    public mutating func reserve(host: String, now: Date) -> Date {
        let key = host.lowercased()
        let start = max(now, nextFree[key] ?? now)
        nextFree[key] = start.addingTimeInterval(interval)
        if nextFree.count > 10_000 { nextFree = nextFree.filter { $0.value > now } }
        return start
    }

    /// The host part of `url`, lowercased ("" when none).
    public static func host(of url: String) -> String {
        URLComponents(string: url)?.host?.lowercased() ?? ""
    }
}
