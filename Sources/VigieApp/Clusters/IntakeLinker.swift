import Foundation
import Logging
import Synchronization
import VigieStore

/// Links intake's new reports to their clusters a group of batches at a time, and whatever is left at the end of
/// each pass.
///
/// In a large store a linking commit writes one page per cluster touched in the clusters table, in each index on a
/// counter and in `cluster_reporters`: pages spread over the whole file, rewritten by every commit that touches them.
/// Linking `every` reports at once writes each such page once per group instead of once per batch. Nothing is lost
/// meanwhile: a saved report waits in `reports_to_link` (committed with the report) until the linking commit, and a
/// run that dies in between leaves it for the next start. A pass that brings fewer reports (IDLE, a quiet mailbox)
/// is linked as soon as it ends, so counts follow the mailbox as closely as before.
public final class IntakeLinker: Sendable {
    /// How many saved reports wait before they are linked within a pass.
    public static let defaultEvery = 2_000

    let clusters: ClusterService
    let every: Int
    let alerts: AlertCheck?
    let logger: Logger
    private let waiting = Mutex(0)

    /// A linker for one intake queue's reports; `alerts` is checked after each link.
    public init(
        clusters: ClusterService, every: Int = IntakeLinker.defaultEvery, alerts: AlertCheck? = nil, logger: Logger
    ) {
        self.clusters = clusters
        self.every = max(1, every)
        self.alerts = alerts
        self.logger = logger
    }

    /// Notes reports just saved; links every report waiting once `every` of them are.
    public func saved(_ ids: [Int64]) throws {
        let due = waiting.withLock { n in
            n += ids.count
            return n >= every
        }
        if due { try link() }
    }

    /// Links the reports still waiting: the end of a pass.
    public func flush() throws {
        if waiting.withLock({ $0 > 0 }) { try link() }
    }

    private func link() throws {
        // Reset first: a failed link leaves its reports in `reports_to_link`, which the next link takes whole.
        waiting.withLock { $0 = 0 }
        try clusters.linkWaiting()
        // An alert not enqueued now is owed still (no cluster_alerts row): the next link retries it.
        do { try alerts?.run() } catch { logger.warning("alerts not checked: \(error)") }
    }
}
