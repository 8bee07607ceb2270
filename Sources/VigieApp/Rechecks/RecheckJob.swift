import Foundation
import Logging
import VigieCore
import VigieStore

/// The rechecks under `serve`: every `recheckSeconds`, the clusters whose slot has come are checked (on the
/// supervisor's clock); a removal it records rings the outbox for the outcome notices.
struct RecheckJob {
    let supervisor: Supervisor
    let service: LinkCheckService
    let ring: @Sendable () -> Void
    var store: Store { supervisor.store }
    var logger: Logger { supervisor.logger }
    /// Clusters checked per pass at most; a full pass goes on at once.
    static let batch = 200

    func run(until stop: StopSignal) throws {
        var failures = 0
        while !stop.isStopped {
            try store.checkFileIdentity()
            do {
                let results = try service.checkDue(limit: Self.batch, now: supervisor.clock, stop: stop)
                if results.contains(where: \.markedRemoved) { ring() }
                failures = 0
                // A full batch: more are due, go on at once.
                if results.count < Self.batch { stop.sleep(supervisor.timing.recheckSeconds) }
            } catch {
                try supervisor.fatalIfStoreGone(error)
                let delay = Backoff(base: .seconds(5), cap: .seconds(600)).nominal(attempt: failures).inSeconds
                failures += 1
                logger.error("rechecks: \(error); trying again in \(Int(delay)) s")
                stop.sleep(delay)
            }
        }
    }
}
