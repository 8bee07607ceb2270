import Foundation
import VigieCore

/// An outbox queue file (`queues/acknowledgements.toml`, `queues/digest.toml`), typed: its relay (`[smtp]` and the
/// queue's overrides), pacing and retries, `from`, and how long sent messages keep their bytes.
public struct OutboundSettings: Sendable {
    /// The queue's name (its file name without `.toml`), as outbox rows name it.
    public var queue: String
    public var file: String
    public var kind: OutboundQueue.Kind
    public var enabled: Bool
    public var dispatch: DispatchSettings
    public var smtp: SMTPEndpoint
    public var from: MailAddress
    /// Sent messages keep their bytes this many days; then only their record stays.
    public var keepSentDays: Int

    /// Reads the queue's keys (already type-checked by the loader) and resolves the relay.
    public static func from(_ q: OutboundQueue, config: VigieConfig,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> OutboundSettings
    {
        let r = TOMLReader(table: q.table, file: q.file)
        return OutboundSettings(
            queue: q.name, file: q.file, kind: q.kind, enabled: q.enabled,
            dispatch: try NewsletterSettings.dispatch(r),
            smtp: try NewsletterSettings.relay(r, config: config, environment: environment),
            from: try NewsletterSettings.sender(r, config: config),
            keepSentDays: try QueueKeys.Outbox.keepSentDays.read(r))
    }
}
