import VigieCore

/// Every key of `queues/*.toml`, one line each; validation, the settings, the shipped files' checks and the README's
/// tables (`vigie config keys --markdown`) all read these declarations.
public enum QueueKeys {
    static let kind = Key<String>.choice(
        "kind", ["intake"] + OutboundQueue.Kind.allCases.map(\.rawValue),
        "what the queue does; says which keys the file may hold")
    static let enabled = Key<Bool>.bool(
        "enabled", true, "a disabled queue is checked but never run; its secrets need not be set")

    /// `password`, `password_env` or `password_file`: at most one, for an IMAP mailbox or an SMTP relay.
    enum Secret {
        static let password = Key<String?>.optional(
            "password", secret: true, "the password itself (prefer password_env or password_file)")
        static let passwordEnv = Key<String?>.optional(
            "password_env", secret: true, "the environment variable holding the password")
        static let passwordFile = Key<String?>.optional(
            "password_file", secret: true, "a file holding the password (relative to this file)")
        static let all = [password.spec, passwordEnv.spec, passwordFile.spec]
    }

    /// An intake queue: an IMAP mailbox Vigie reads.
    public enum Intake {
        static let role = Key<String>.choice(
            "role", IntakeRole.allCases.map(\.rawValue),
            "citizens' reports, subscribers' mail (unsubscribes, bounces), or platforms' replies to notices")
        static let url = Key<String>.required("url", "`imap://host:port`, `imaps://` for implicit TLS")
        static let starttls = Key<Bool>.bool(
            "starttls", false, "upgrade the plain connection with STARTTLS (required off loopback)")
        static let user = Key<String>.required("user", "the IMAP login")
        static let caFile = Key<String?>.optional(
            "ca_file", "a CA bundle to trust instead of the system's (must exist)")
        static let tlsVerify = Key<Bool>.bool("tls_verify", true, "check the server's certificate")
        static let timeoutSeconds = Key<Int>.integer(
            "timeout_seconds", 30, 1...600, "a server silent that long ends the command (\"timed out after N s\")")
        static let mailbox = Key<String>.string("mailbox", "INBOX", "the folder to read; not empty")
        static let processedMailbox = Key<String?>.optional(
            "processed_mailbox", "after the commit, messages move there; must differ from `mailbox`")
        static let idle = Key<Bool>.bool("idle", true, "wait with IMAP IDLE where the server offers it, else poll")
        static let pollIntervalSeconds = Key<Int>.integer(
            "poll_interval_seconds", 60, 1...86_400, "seconds between polls without IDLE")
        static let maxMessageBytes = Key<Int>.integer(
            "max_message_bytes", 25 << 20, 1024...(1 << 30), "larger messages keep their headers and size only (25 MiB)"
        )

        /// In the order the README and the shipped files show them.
        public static let keys: [ConfigKey] =
            [kind.spec, role.spec, enabled.spec, url.spec, starttls.spec, user.spec]
            + Secret.all + [
                caFile.spec, tlsVerify.spec, timeoutSeconds.spec, mailbox.spec, processedMailbox.spec,
                idle.spec, pollIntervalSeconds.spec, maxMessageBytes.spec,
            ]
    }

    /// The relay keys an outbound queue may set to override `vigie.toml` `[smtp]`.
    enum Relay {
        static let smtpURL = Key<String?>.optional(
            "smtp_url", derived: "`[smtp] url`", "`smtp://host:port` (`smtps://` = implicit TLS)")
        static let starttls = Key<Bool?>.bool(
            "starttls", derived: "`[smtp] starttls`", "upgrade the plain connection with STARTTLS")
        static let user = Key<String?>.optional("user", derived: "`[smtp] user`", "the SMTP login; empty = no AUTH")
        static let caFile = Key<String?>.optional(
            "ca_file", derived: "`[smtp] ca_file`", "a CA bundle to trust instead of the system's")
        static let from = Key<String?>.optional(
            "from", derived: "`[smtp] from`", "the sender, `Name <address>`, on one line")
        static let timeoutSeconds = Key<Int>.integer(
            "timeout_seconds", 60, 1...600, "bounds each message's whole SMTP transaction")

        static let keys: [ConfigKey] =
            [smtpURL.spec, starttls.spec, user.spec] + Secret.all
            + [caFile.spec, from.spec, timeoutSeconds.spec]
    }

    /// The newsletter queue: pacing, retries and list headers.
    public enum Newsletter {
        static let retryMaxSeconds = DispatchKey.number(
            "retry_max_seconds", \.retryMaxSeconds, 0...604_800,
            "ceiling of the retry delay (raised to retry_base_seconds when left out)")
        /// Pacing and retries, bound to `DispatchSettings`.
        static let dispatch: [DispatchKey] = [
            .number(
                "rate_per_second", \.ratePerSecond, 0...100_000,
                "sends per second, smoothed (no one-second window above it); 0 = unlimited"),
            .integer("max_per_hour", \.maxPerHour, 0...100_000_000, "sends in any sliding hour; 0 = no hourly cap"),
            .integer("connections", \.connections, 1...64, "parallel SMTP connections"),
            .integer("batch_size", \.batchSize, 1...1_000_000, "messages between two pauses"),
            .number(
                "pause_between_batches_seconds", \.pauseBetweenBatchesSeconds, 0...86_400, "pause after each batch"),
            .integer(
                "max_messages_per_connection", \.maxMessagesPerConnection, 1...1_000_000,
                "messages over one connection before a fresh one"),
            .integer("max_attempts", \.maxAttempts, 1...100, "tries of a recipient met by 4xx before it is failed"),
            .number(
                "retry_base_seconds", \.retryBaseSeconds, 0...86_400,
                "first retry after a 4xx; doubles with each attempt, with jitter"),
            retryMaxSeconds,
            .number(
                "reconnect_base_seconds", \.reconnectBaseSeconds, 0...3_600,
                "first reconnection after a drop or a 421; doubles while faults last"),
            .number("reconnect_max_seconds", \.reconnectMaxSeconds, 0...86_400, "ceiling of the reconnection delay"),
            .number("jitter", \.jitter, 0...1, "random share of each delay (0 = none, 1 = anywhere up to the delay)"),
        ]
        static let listID = Key<String?>.optional(
            "list_id", derived: "`ORGANISATION <newsletter.DOMAIN>`", "`List-Id` with its `<…>` (RFC 2919)")
        static let unsubscribeURLBase = Key<String?>.optional(
            "unsubscribe_url_base", derived: "`{public_url}/u/` (`[http] public_url`)",
            "https:// one-click endpoint, the token appended (http only for localhost)")
        static let unsubscribeMailto = Key<String?>.optional(
            "unsubscribe_mailto", derived: "`unsubscribe@DOMAIN`", "the `mailto:` of `List-Unsubscribe`, a bare address"
        )
        static let returnPath = Key<String?>.optional(
            "return_path", derived: "`bounces@DOMAIN`",
            "VERP envelope sender: `bounces+TOKEN@domain` names the subscriber")
        static let secretEnv = Key<String?>.optional(
            "secret_env", secret: true,
            "the environment variable holding the secret that signs unsubscribe tokens; this or secret_file is required when enabled"
        )
        static let secretFile = Key<String?>.optional(
            "secret_file", secret: true, "or a file holding that secret (relative to this file)")

        public static let keys: [ConfigKey] =
            [kind.spec, enabled.spec] + dispatch.map(\.spec)
            + [
                listID.spec, unsubscribeURLBase.spec, unsubscribeMailto.spec, returnPath.spec, secretEnv.spec,
                secretFile.spec,
            ] + Relay.keys
    }

    /// What every outbox queue (digest, acknowledgements) adds: the newsletter's pacing and retries, and how long
    /// a sent message's bytes are kept.
    public enum Outbox {
        static let keepSentDays = Key<Int>.integer(
            "keep_sent_days", 30, 0...36_500,
            "days a sent message's bytes are kept (its record stays); 0 = cleared after sending")

        static let keys: [ConfigKey] = Newsletter.dispatch.map(\.spec) + [keepSentDays.spec]
    }

    /// The moderators' digest and alerts.
    public enum Digest {
        static let to = Key<[String]>.strings(
            "to", [], presence: .requiredWhenEnabled, "the moderators' addresses; not empty when enabled")
        static let top = Key<Int>.integer("top", 20, 1...1000, "clusters listed, new or rising, highest priority first")
        static let schedule = Key<String?>.optional(
            "schedule",
            "local time of day, `HH:MM`, of the daily digest `vigie serve` sends; none = only `vigie digest send`")
        static let timezone = Key<String>.string(
            "timezone", "Europe/Paris", "the time zone of `schedule` and of the dates shown (IANA name)")
        static let subject = Key<String?>.optional(
            "subject", derived: "`Vigie · signalements du DATE`", "the digest's subject line")
        static let alertReporters = Key<Int>.integer(
            "alert_reporters", 0, 0...100_000,
            "a cluster reaching this many distinct reporters within alert_window_hours sends one alert; 0 = off")
        static let alertWindowHours = Key<Int>.integer(
            "alert_window_hours", 24, 1...8_760, "the window of alert_reporters")

        public static let keys: [ConfigKey] =
            [
                kind.spec, enabled.spec, to.spec, top.spec, schedule.spec, timezone.spec, subject.spec,
                alertReporters.spec, alertWindowHours.spec,
            ]
            + Relay.keys
            + Outbox.keys
    }

    /// Acknowledgements to citizens and outcome notices.
    public enum Acknowledgements {
        static let minIntervalHours = Key<Int>.integer(
            "min_interval_hours", 24, 0...10_000,
            "at most one acknowledgement per address in this time (RFC 3834); later reports are recorded as grouped")
        static let subject = Key<String?>.optional(
            "subject", derived: "`Votre signalement a bien été reçu`",
            "the subject line; the report's reference is appended")
        static let notifyOutcome = Key<Bool>.bool(
            "notify_outcome", true, "tell each citizen who reported a cluster when it is removed")

        public static let keys: [ConfigKey] =
            [
                kind.spec, enabled.spec, minIntervalHours.spec, subject.spec,
                notifyOutcome.spec,
            ] + Relay.keys
            + Outbox.keys
    }

    /// DSA notices mailed to platforms.
    public enum Notices {
        static let replyTo = Key<String?>.optional(
            "reply_to", derived: "`from`",
            "where platforms answer: the address of a mailbox read with role = \"platform-replies\"")
        static let maxAttachments = Key<Int>.integer(
            "max_attachments", 10, 0...100, "citizens' screenshots attached to a notice at most")
        static let maxAttachmentBytes = Key<Int>.integer(
            "max_attachment_bytes", 10 << 20, 0...(100 << 20), "their total size at most (10 MiB)")

        public static let keys: [ConfigKey] =
            [kind.spec, enabled.spec, replyTo.spec, maxAttachments.spec, maxAttachmentBytes.spec] + Relay.keys
            + Outbox.keys
    }

    /// The keys a queue file of `kind` may hold (`intake`, `newsletter`, `digest`, `acknowledgements`).
    public static func keys(for kind: String) -> [ConfigKey] {
        switch kind {
        case "intake": return Intake.keys
        case OutboundQueue.Kind.newsletter.rawValue: return Newsletter.keys
        case OutboundQueue.Kind.digest.rawValue: return Digest.keys
        case OutboundQueue.Kind.acknowledgements.rawValue: return Acknowledgements.keys
        case OutboundQueue.Kind.notices.rawValue: return Notices.keys
        default: return []
        }
    }

    /// Every kind, in the README's order.
    public static let kinds = ["intake"] + OutboundQueue.Kind.allCases.map(\.rawValue)

    /// Checks every declared key's type and range, so `finish()` then names any undeclared one.
    static func check(_ r: TOMLReader, kind: String) throws {
        for key in keys(for: kind) { try key.check(r) }
    }
}
