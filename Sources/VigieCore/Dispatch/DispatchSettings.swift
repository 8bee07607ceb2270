import Foundation

/// The pacing and retry keys of an outbound queue file (`queues/newsletter.toml` …); each initial value is the key's
/// default (VigieApp's `QueueKeys.Newsletter.dispatch` declares the keys and takes their defaults from here).
public struct DispatchSettings: Sendable, Hashable {
    /// Sends per second, smoothed (no one-second window above it); 0 = unlimited.
    public var ratePerSecond: Double = 0
    /// Sends in any sliding hour; 0 = unlimited.
    public var maxPerHour: Int = 0
    /// Messages per batch; 0 = one endless batch.
    public var batchSize: Int = 500
    /// Pause after each full batch.
    public var pauseBetweenBatchesSeconds: Double = 0
    /// First retry delay after a 4xx; doubles with each attempt.
    public var retryBaseSeconds: Double = 60
    /// Ceiling of the retry delay.
    public var retryMaxSeconds: Double = 21_600
    /// Attempts before a deferred delivery becomes failed.
    public var maxAttempts: Int = 5
    /// Parallel SMTP connections.
    public var connections: Int = 4
    /// Messages sent over one connection before a fresh one is opened; 0 = no limit.
    public var maxMessagesPerConnection: Int = 100
    /// First reconnection delay after a drop or a 421; doubles with consecutive failures.
    public var reconnectBaseSeconds: Double = 2
    /// Ceiling of the reconnection delay.
    public var reconnectMaxSeconds: Double = 300
    /// Fraction of each delay that is random (0 = none, 1 = anywhere between 0 and the delay).
    public var jitter: Double = 0.2
    /// Consecutive relay faults (refused, timeout, TLS, 4xx to MAIL FROM …) a connection rides out before giving up.
    public var maxRelayFaults: Int = Self.defaultMaxRelayFaults

    /// Five tries with the default reconnect backoff ride out about half a minute of relay trouble.
    public static let defaultMaxRelayFaults = 5

    public init() {}

    /// Problems an operator must fix before a dispatch may start (empty when the settings are usable).
    public var problems: [String] {
        var p: [String] = []
        if !(ratePerSecond >= 0) || !ratePerSecond.isFinite { p.append("rate_per_second must be ≥ 0") }
        if maxPerHour < 0 { p.append("max_per_hour must be ≥ 0") }
        if batchSize < 0 { p.append("batch_size must be ≥ 0") }
        if !(pauseBetweenBatchesSeconds >= 0) { p.append("pause_between_batches_seconds must be ≥ 0") }
        if !(retryBaseSeconds >= 0) || !(retryMaxSeconds >= retryBaseSeconds) {
            p.append("retry_base_seconds must be ≥ 0 and ≤ retry_max_seconds")
        }
        if maxAttempts < 1 { p.append("max_attempts must be ≥ 1") }
        if connections < 1 { p.append("connections must be ≥ 1") }
        if maxMessagesPerConnection < 0 { p.append("max_messages_per_connection must be ≥ 0") }
        if !(reconnectBaseSeconds >= 0) || !(reconnectMaxSeconds >= reconnectBaseSeconds) {
            p.append("reconnect_base_seconds must be ≥ 0 and ≤ reconnect_max_seconds")
        }
        if !(0...1).contains(jitter) { p.append("jitter must be within 0…1") }
        if maxRelayFaults < 1 { p.append("the relay fault bound must be ≥ 1") }
        return p
    }

    /// The retry schedule for deferred deliveries.
    public var retryBackoff: Backoff {
        Backoff(base: .seconds(retryBaseSeconds), cap: .seconds(retryMaxSeconds), jitter: jitter)
    }

    /// The reconnection schedule after drops and 421 replies.
    public var reconnectBackoff: Backoff {
        Backoff(base: .seconds(reconnectBaseSeconds), cap: .seconds(reconnectMaxSeconds), jitter: jitter)
    }
}
