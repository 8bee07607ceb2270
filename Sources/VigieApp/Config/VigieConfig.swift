import Foundation
import VigieCore

/// `vigie.toml`, validated, with relative paths resolved against the file's folder.
public struct VigieConfig: Sendable {
    /// The organisation that runs Vigie: it signs notices and mails.
    public struct Organisation: Sendable {
        public var name: String
        public var email: String?
        public var postalAddress: String?
        public var website: String?
        /// Hosts whose links are the institution's own and never count as reported content.
        public var ownHosts: [String]
    }

    /// The default relay for outbound queues.
    public struct SMTP: Sendable {
        public var url: String
        public var starttls: Bool
        public var user: String?
        public var password: String?
        public var from: String
        public var caFile: String?
    }

    /// Intake behaviour shared by all intake queues.
    public struct Intake: Sendable {
        /// More hosts to ignore in extracted URLs (besides the organisation's own).
        public var ignoredHosts: [String]
    }

    public var file: String
    public var databasePath: String
    public var organisation: Organisation
    public var smtp: SMTP
    public var queuesDir: String
    public var templatesDir: String
    public var intake: Intake
    public var clusters: ClusterSettings
    /// The editable list of offences moderators qualify against.
    public var offencesFile: String
    /// `platforms.toml`: where notices go and how contents are checked.
    public var platformsFile: String = ""
    /// Each reported URL fetched once for evidence; nil when `[moderation] evidence = false`.
    public var evidence: EvidenceSettings? = nil
    /// `[http] public_url` without its trailing slash: where moderators open a cluster (`/console/clusters/ID`).
    public var publicURL: String? = nil
    /// `[http] listen`: where `serve` answers HTTP; nil = no HTTP side.
    public var httpListen: ListenAddress? = nil
    /// `[http] trusted_proxies`: peers whose `X-Forwarded-For` is believed.
    public var trustedProxies: [IPRange] = []
    /// `[rechecks]`: automatic checks of notified URLs.
    public var rechecks = RecheckSettings()
    /// `[http] metrics_allow`: clients that may read `/metrics` besides loopback and the trusted proxies.
    public var metricsAllow: [IPRange] = []
}

/// `[moderation] evidence*`: how reported pages are fetched for evidence.
public struct EvidenceSettings: Sendable {
    public var maxBytes: Int
    public var timeoutSeconds: Int
    /// Loopback, private and link-local addresses are fetched too (tests, an intranet).
    public var privateAddresses: Bool

    public init(maxBytes: Int = 2 << 20, timeoutSeconds: Int = 10, privateAddresses: Bool = false) {
        self.maxBytes = maxBytes
        self.timeoutSeconds = timeoutSeconds
        self.privateAddresses = privateAddresses
    }
}

/// One `queues/*.toml` file.
public enum QueueConfig: Sendable {
    case intake(IntakeQueue)
    case outbound(OutboundQueue)

    /// The queue's name: its file name without `.toml`.
    public var name: String {
        switch self {
        case .intake(let q): return q.name
        case .outbound(let q): return q.name
        }
    }
}

/// An IMAP mailbox that Vigie ingests.
public struct IntakeQueue: Sendable {
    public var name: String
    public var file: String
    public var role: IntakeRole
    public var endpoint: IMAPEndpoint
    public var mailbox: String
    public var processedMailbox: String?
    public var idle: Bool
    public var pollIntervalSeconds: Int
    public var maxMessageBytes: Int
    public var enabled: Bool

    public init(
        name: String, file: String, role: IntakeRole, endpoint: IMAPEndpoint, mailbox: String,
        processedMailbox: String?, idle: Bool, pollIntervalSeconds: Int, maxMessageBytes: Int, enabled: Bool
    ) {
        self.name = name
        self.file = file
        self.role = role
        self.endpoint = endpoint
        self.mailbox = mailbox
        self.processedMailbox = processedMailbox
        self.idle = idle
        self.pollIntervalSeconds = pollIntervalSeconds
        self.maxMessageBytes = maxMessageBytes
        self.enabled = enabled
    }

    /// The key under which the checkpoint and the messages of this mailbox are stored.
    public var mailboxKey: String { "\(endpoint.user)@\(endpoint.host):\(endpoint.port)/\(mailbox)" }
}

/// A queue of outgoing mail (newsletter, digest, acknowledgements); its keys are read by the use case that owns it.
public struct OutboundQueue: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case newsletter, digest, acknowledgements, notices }
    public var name: String
    public var file: String
    public var kind: Kind
    public var enabled: Bool
    /// The file's table, for the owning use case to read with its own keys.
    public var table: TOMLTable
}
