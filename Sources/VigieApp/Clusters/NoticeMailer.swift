import Foundation
import Logging
import VigieCore
import VigieMail
import VigieStore

/// `queues/notices.toml`, typed: who signs the notices, where platforms answer, how many screenshots go with them.
public struct NoticeSettings: Sendable {
    public var queue: String
    public var file: String
    public var from: MailAddress
    public var replyTo: MailAddress?
    public var maxAttachments: Int
    public var maxAttachmentBytes: Int

    /// Reads the queue's keys (already type-checked by the loader).
    public static func from(_ q: OutboundQueue, config: VigieConfig) throws -> NoticeSettings {
        let r = TOMLReader(table: q.table, file: q.file)
        typealias N = QueueKeys.Notices
        let from = try ConfigLoader.mailAddress(
            try QueueKeys.Relay.from.read(r) ?? config.smtp.from, file: q.file, key: "from (or [smtp] from)")
        return NoticeSettings(
            queue: q.name, file: q.file, from: from,
            replyTo: try N.replyTo.read(r).map { MailAddress(address: $0) },
            maxAttachments: try N.maxAttachments.read(r), maxAttachmentBytes: try N.maxAttachmentBytes.read(r))
    }
}

/// What `vigie clusters notify ID --send` did.
public struct MailedNotice: Sendable, Equatable {
    public var clusterID: Int64
    public var recipient: String
    /// Without angle brackets: the cluster's platform reference from now on.
    public var messageID: String
    public var screenshots: Int
    public var queue: String
}

/// Mails the DSA notice of a cluster to its platform through the outbox, with the citizens' screenshots attached,
/// and marks the cluster notified (channel `email`, reference = the Message-ID) in the same transaction.
public struct NoticeMailer: Sendable {
    let moderation: ModerationService
    let platforms: PlatformDirectory
    /// nil when no notices queue is enabled: `send` then says how to enable one.
    let settings: NoticeSettings?
    let queuesDir: String
    let logger: Logger

    public init(
        moderation: ModerationService, platforms: PlatformDirectory, settings: NoticeSettings?, queuesDir: String,
        logger: Logger
    ) {
        self.moderation = moderation
        self.platforms = platforms
        self.settings = settings
        self.queuesDir = queuesDir
        self.logger = logger
    }

    var store: Store { moderation.store }

    /// The notice as `send` would mail it: recipient (or form), subject and text; nothing is recorded.
    public func preview(clusterID: Int64, now: Date = Date()) throws -> String {
        let d = try detail(clusterID)
        let entry = platforms.entry(for: d.summary.platform)
        var head: [String] = []
        if let to = entry?.noticeEmail {
            head.append("À : \(to)")
        } else if let form = entry?.noticeFormURL {
            head.append("Formulaire : \(form)")
        }
        let shots = try screenshots(of: clusterID)
        return head.map { $0 + "\n" }.joined() + (try moderation.notice(d, screenshots: shots.count, now: now))
    }

    /// Composes the notice, enqueues it for the platform's `notice_email` and marks the cluster notified, in one
    /// transaction. A cluster already notified is refused unless `again` (a reminder).
    public func send(clusterID: Int64, author: String, again: Bool = false, now: Date = Date()) throws -> MailedNotice {
        let d = try detail(clusterID)
        let platform = d.summary.platform
        guard let entry = platforms.entry(for: platform) else {
            throw ConfigError(
                "\(platforms.file): no [\(platform.rawValue)] table; add one with notice_email or notice_form_url")
        }
        guard let to = entry.noticeEmail else {
            let form = entry.noticeFormURL ?? "the platform's form"
            throw ModerationError(
                clusterID: clusterID,
                message: "\(entry.name) takes no notice by mail (no notice_email in \(platforms.file)); send it "
                    + "through \(form) (vigie clusters notify \(clusterID) prints it), then record it with vigie "
                    + "clusters mark \(clusterID) notified --channel form --platform-ref REF")
        }
        guard let settings else {
            throw ConfigError(
                "no enabled notices queue in \(queuesDir); vigie init writes queues/notices.toml: set enabled = true "
                    + "and its from")
        }
        if d.summary.status == .notified && !again {
            let when = d.notifiedAt.map { " on \(LeaseError.iso($0))" } ?? ""
            let ref = d.summary.platformRef.map { " (\($0))" } ?? ""
            throw ModerationError(
                clusterID: clusterID,
                message: "was already notified\(when)\(ref); pass --again to mail a reminder")
        }
        let shots = try screenshots(of: clusterID, limit: settings.maxAttachments, bytes: settings.maxAttachmentBytes)
        let rendered = try moderation.notice(d, screenshots: shots.count, now: now)
        let (subjectLine, body) = Self.split(rendered)
        let earlier = try store.notices(clusterID: clusterID)
        let subject =
            (again ? "Relance : " : "") + "\(subjectLine ?? "Notification de contenu illicite") (n° \(clusterID))"
        let messageID = Acknowledger.messageID("notice.\(clusterID)", from: settings.from)
        var message = OutgoingMessage(
            from: settings.from, to: MailAddress(address: to), subject: subject, date: now,
            timeZone: TimeZone(identifier: "Europe/Paris") ?? .current, messageID: messageID,
            textBody: body)
        message.replyTo = settings.replyTo
        message.attachments = shots
        // A reminder answers the first notice, so the platform's ticket gathers them.
        if again, let first = earlier.first {
            message.headers = [
                HeaderField(name: "In-Reply-To", value: "<\(first.messageID)>"),
                HeaderField(name: "References", value: earlier.map { "<\($0.messageID)>" }.joined(separator: " ")),
            ]
        }
        let previous = earlier.count
        let item = OutboxItem(
            kind: .notice, queue: settings.queue, dedupeKey: "notice:cluster:\(clusterID):\(previous + 1)",
            recipient: to, envelopeFrom: settings.from.address, messageID: messageID,
            bytes: MessageComposer.compose(message), subjectRef: "cluster:\(clusterID)")
        let change = ModerationChange(
            to: .notified, note: again ? "relance envoyée par courriel" : nil, platformRef: messageID,
            channel: "email", author: author)
        _ = try store.recordMailedNotice(
            clusterID: clusterID, change: change, rules: moderation.rules, notice: item, platform: platform, now: now)
        logger.info("cluster \(clusterID): notice enqueued for \(entry.name) (\(shots.count) screenshots)")
        return MailedNotice(
            clusterID: clusterID, recipient: to, messageID: messageID, screenshots: shots.count,
            queue: settings.queue)
    }

    /// The citizens' pictures attached to the cluster's reports, each once (by content), renamed
    /// `capture-REPORT-N.EXT` so no file name carries a citizen's name, within the count and size limits.
    public func screenshots(of clusterID: Int64, limit: Int = 10, bytes: Int = 10 << 20) throws -> [Attachment] {
        Self.screenshots(
            try store.clusterReports(clusterID: clusterID), clusterID: clusterID, limit: limit, bytes: bytes,
            logger: logger)
    }

    /// The pictures of `reports`, each once, renamed, within the limits (see `screenshots(of:)`).
    static func screenshots(
        _ reports: [StoredClusterReport], clusterID: Int64, limit: Int, bytes: Int, logger: Logger
    ) -> [Attachment] {
        var out: [Attachment] = []
        var seen: Set<String> = []
        var total = 0
        for report in reports where !report.truncated {
            let files: [Attachment]
            do {
                files = try MessageParser.attachments(of: report.raw)
            } catch {
                logger.warning("cluster \(clusterID): report \(report.reportID) no longer parses (\(error))")
                continue
            }
            var n = 0
            for var f in files where f.isImage {
                guard out.count < limit, total + f.bytes.count <= bytes else { return out }
                guard seen.insert(Digest.sha256Hex(f.bytes)).inserted else { continue }
                n += 1
                let ext = Self.fileExtension(f.mimeType)
                f.filename = "capture-\(report.reportID)-\(n).\(ext)"
                total += f.bytes.count
                out.append(f)
            }
        }
        return out
    }

    func detail(_ clusterID: Int64) throws -> ClusterDetail {
        guard let d = try store.cluster(id: clusterID, includeReporters: false, weights: moderation.weights) else {
            throw StoreError.notFound(what: "cluster \(clusterID)", hint: "see `vigie clusters list`")
        }
        return d
    }

    /// The template's `Objet : …` first line as the subject, and the text after it.
    static func split(_ text: String) -> (subject: String?, body: String) {
        let prefix = "Objet : "
        guard text.hasPrefix(prefix), let end = text.firstIndex(of: "\n") else { return (nil, text) }
        let subject = String(text[text.index(text.startIndex, offsetBy: prefix.count)..<end])
        var rest = text[text.index(after: end)...]
        while rest.first == "\n" { rest = rest.dropFirst() }
        return (subject.trimmingCharacters(in: .whitespaces), String(rest))
    }

    static func fileExtension(_ mimeType: String) -> String {
        switch mimeType.lowercased() {
        case "image/jpeg", "image/jpg", "image/pjpeg": return "jpg"
        case "image/png": return "png"
        case "image/gif": return "gif"
        case "image/webp": return "webp"
        case "image/heic": return "heic"
        case "image/bmp": return "bmp"
        default: return "img"
        }
    }
}
