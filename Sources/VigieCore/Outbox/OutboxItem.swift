import Foundation

/// What an outbox message is for; each kind has its own dedupe key shape (see `OutboxItem.dedupeKey`).
public enum OutboxKind: String, Sendable, Codable, CaseIterable {
    /// To a citizen: their report was received (`ack:report:ID`).
    case acknowledgement
    /// To a citizen: the content they reported was removed (`outcome:cluster:ID:REPORTER`).
    case outcome
    /// To the moderators: the daily digest (`digest:PERIOD:ADDRESS`).
    case digest
    /// To the moderators: a cluster crossed the alert threshold (`alert:cluster:ID:ADDRESS`).
    case alert
    /// To a would-be subscriber: confirm the subscription (double opt-in).
    case confirmation
    /// To a platform: the DSA art. 16 notice of a cluster.
    case notice
}

/// One message for the outbox, composed once: the bytes enqueued are the bytes sent (and resent after a crash).
///
/// `dedupeKey` is unique across the outbox: enqueueing the same key twice is a no-op, which is what makes "once per
/// report / per period / per cluster and citizen" hold across crashes and concurrent runners.
public struct OutboxItem: Sendable, Equatable {
    public var kind: OutboxKind
    /// The outbound queue (file name in `queues/` without `.toml`) whose relay, pacing and retries send it.
    public var queue: String
    public var dedupeKey: String
    /// The one envelope recipient.
    public var recipient: String
    /// The envelope sender; empty for the null sender `<>` (RFC 3834 §3.3 recommends it for auto-replies).
    public var envelopeFrom: String
    /// The Message-ID header's value, without angle brackets.
    public var messageID: String
    /// The whole message, CRLF line ends.
    public var bytes: [UInt8]
    /// What it is about (`report:123`, `cluster:45`, `digest:2026-12-02`), for status listings and audits.
    public var subjectRef: String?

    public init(
        kind: OutboxKind, queue: String, dedupeKey: String, recipient: String, envelopeFrom: String,
        messageID: String, bytes: [UInt8], subjectRef: String? = nil
    ) {
        self.kind = kind
        self.queue = queue
        self.dedupeKey = dedupeKey
        self.recipient = recipient
        self.envelopeFrom = envelopeFrom
        self.messageID = messageID
        self.bytes = bytes
        self.subjectRef = subjectRef
    }
}

/// Where one outbox message stands; the same life as a newsletter delivery.
public enum OutboxState: String, Sendable, Codable, CaseIterable {
    case pending, sending, sent, deferred, failed
    /// Closed without sending (e.g. an acknowledgement grouped into an earlier one); the reason is kept.
    case skipped
}
