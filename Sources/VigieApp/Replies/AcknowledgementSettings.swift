import Foundation
import VigieCore

/// `queues/acknowledgements.toml`, typed: who answers, how often at most, and whether removals are told.
public struct AcknowledgementSettings: Sendable {
    public var queue: String
    public var file: String
    public var from: MailAddress
    /// The subject of an acknowledgement, before the reference is appended.
    public var subject: String
    public var minIntervalHours: Int
    public var notifyOutcome: Bool
    /// The zone of references' years and of the dates written in the mails.
    public var timeZone: TimeZone
    /// Who may be answered: configured with every address and host of ours.
    public var policy: AcknowledgementPolicy

    public static let defaultSubject = "Votre signalement a bien été reçu"

    /// Reads the queue's keys; the policy learns every address of ours the configuration names.
    public static func from(
        _ q: OutboundQueue, config: VigieConfig, queues: [QueueConfig]
    ) throws
        -> AcknowledgementSettings
    {
        let r = TOMLReader(table: q.table, file: q.file)
        typealias A = QueueKeys.Acknowledgements
        let from = try ConfigLoader.mailAddress(
            try QueueKeys.Relay.from.read(r) ?? config.smtp.from, file: q.file,
            key: "from (or [smtp] from)")
        let subject = (try A.subject.read(r)).map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return AcknowledgementSettings(
            queue: q.name, file: q.file, from: from, subject: subject.isEmpty ? defaultSubject : subject,
            minIntervalHours: try A.minIntervalHours.read(r), notifyOutcome: try A.notifyOutcome.read(r),
            timeZone: TimeZone(identifier: "Europe/Paris") ?? .current,
            policy: AcknowledgementPolicy(
                ownAddresses: try ownAddresses(config: config, queues: queues),
                ownDomains: config.organisation.ownHosts))
    }

    /// The organisation's address, the relay's sender, every queue's sender, the newsletter's list addresses, the
    /// moderators' and the intake mailboxes' logins when they are addresses: answering any of them could loop.
    static func ownAddresses(config: VigieConfig, queues: [QueueConfig]) throws -> [String] {
        var out: [String] = []
        func add(_ text: String?) {
            guard let text, let a = MailAddress.parseDisplay(text)?.address, a.contains("@") else { return }
            out.append(a)
        }
        add(config.organisation.email)
        add(config.smtp.from)
        for queue in queues {
            switch queue {
            case .intake(let i):
                add(i.endpoint.user)
            case .outbound(let o):
                let r = TOMLReader(table: o.table, file: o.file)
                add(try QueueKeys.Relay.from.read(r))
                if o.kind == .newsletter {
                    add(try QueueKeys.Newsletter.unsubscribeMailto.read(r))
                    add(try QueueKeys.Newsletter.returnPath.read(r))
                }
                if o.kind == .digest { for to in try QueueKeys.Digest.to.read(r) { add(to) } }
            }
        }
        return out
    }
}
