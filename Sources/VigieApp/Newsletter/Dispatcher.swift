import Foundation
import Logging
import VigieCore
import VigieStore

/// Sends an edition's due deliveries: the `Sender` over the edition's delivery rows (see `Sender` for the promises:
/// `sending` before the wire, `sent` after the 2xx, at most `connections` resends after a crash, relay faults touching
/// no row). A subscriber who withdrew before their row was taken is closed `skipped`, never sent.
public final class Dispatcher: Sendable {
    public typealias TransportFactory = @Sendable () -> any MailTransport
    public typealias Composer = @Sendable (Delivery) -> (envelopeFrom: String, messageID: String, bytes: [UInt8])
    /// What a run did.
    public typealias Summary = SendSummary

    let sender: Sender<EditionQueue>

    public init(
        store: Store, editionID: String, settings: DispatchSettings, compose: @escaping Composer,
        makeTransport: @escaping TransportFactory, logger: Logger, stop: StopSignal,
        waitForDeferred: Bool = true, fence: LeaseFence? = nil
    ) {
        sender = Sender(
            queue: EditionQueue(store: store, editionID: editionID, composer: compose), settings: settings,
            makeTransport: makeTransport, logger: logger, stop: stop, waitForDeferred: waitForDeferred,
            fence: fence)
    }

    /// Counts so far (for progress display).
    public var progress: Summary { sender.progress }

    /// Runs until nothing is left to attempt (or, without `waitForDeferred`, until only deferred rows are left),
    /// or until `stop` is raised; the messages in flight are always finished and recorded.
    public func run() throws -> Summary { try sender.run() }
}
