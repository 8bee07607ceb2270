import Foundation
import VigieCore

// The command line's JSON contract (`--json`, documented in the README): snake_case keys, and for the listings every
// documented key present, null when unknown. The domain's read models know nothing of it; these shapes encode them.

/// One stored message of `reports list --json` (and the head of `reports show --json`).
struct ReportJSON: Encodable {
    var report: ReportSummary

    enum CodingKeys: String, CodingKey {
        case id, from, subject, urls, status
        case messageID = "message_id"
        case receivedAt = "received_at"
    }

    /// Absent values are written as null, so every object has every key of the documented contract.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(report.id, forKey: .id)
        try c.encode(report.messageID, forKey: .messageID)
        try c.encode(report.from, forKey: .from)
        try c.encode(report.subject, forKey: .subject)
        try c.encode(report.receivedAt, forKey: .receivedAt)
        try c.encode(report.urls, forKey: .urls)
        try c.encode(report.status.rawValue, forKey: .status)
    }
}

/// `reports show --json`: flat, the summary's fields beside the details.
struct ReportDetailJSON: Encodable {
    var detail: ReportDetail

    enum CodingKeys: String, CodingKey {
        case mailbox, uid, size, sha256, date, text, attachments, warnings
        case replyTo = "reply_to"
        case inReplyTo = "in_reply_to"
        case automaticReason = "automatic_reason"
        case parseError = "parse_error"
        case messageIDCollision = "message_id_collision"
    }

    func encode(to encoder: any Encoder) throws {
        let d = detail
        try ReportJSON(report: d.summary).encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(d.mailbox, forKey: .mailbox)
        try c.encode(d.uid, forKey: .uid)
        try c.encode(d.size, forKey: .size)
        try c.encode(d.sha256, forKey: .sha256)
        try c.encodeIfPresent(d.date, forKey: .date)
        try c.encode(d.replyTo, forKey: .replyTo)
        try c.encodeIfPresent(d.inReplyTo, forKey: .inReplyTo)
        try c.encodeIfPresent(d.text, forKey: .text)
        try c.encode(d.attachments.map(AttachmentJSON.init), forKey: .attachments)
        try c.encodeIfPresent(d.automaticReason, forKey: .automaticReason)
        try c.encodeIfPresent(d.parseError, forKey: .parseError)
        try c.encode(d.warnings, forKey: .warnings)
        try c.encode(d.messageIDCollision, forKey: .messageIDCollision)
    }
}

/// One attachment of `reports show --json`: its name, type and size, never its bytes.
struct AttachmentJSON: Encodable {
    var attachment: AttachmentInfo

    enum CodingKeys: String, CodingKey { case filename, mimeType, size }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(attachment.filename, forKey: .filename)
        try c.encode(attachment.mimeType, forKey: .mimeType)
        try c.encode(attachment.size, forKey: .size)
    }
}

/// One cluster of `clusters list --json` (and the head of `clusters show --json`).
struct ClusterJSON: Encodable {
    var cluster: ClusterSummary

    enum CodingKeys: String, CodingKey {
        case id, key, platform, kind, urls, reports, reporters, priority, status, offence, account
        case canonicalURL = "canonical_url"
        case recentReporters = "reporters_24h"
        case firstReported = "first_reported"
        case lastReported = "last_reported"
        case platformRef = "platform_ref"
    }

    /// Every documented key is present, null when unknown.
    func encode(to encoder: any Encoder) throws {
        let s = cluster
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(s.id, forKey: .id)
        try c.encode(s.key, forKey: .key)
        try c.encode(s.platform.rawValue, forKey: .platform)
        try c.encode(s.kind.rawValue, forKey: .kind)
        try c.encode(s.canonicalURL, forKey: .canonicalURL)
        try c.encode(s.urls, forKey: .urls)
        try c.encode(s.reports, forKey: .reports)
        try c.encode(s.reporters, forKey: .reporters)
        try c.encode(s.recentReporters, forKey: .recentReporters)
        try c.encode((s.priority * 1000).rounded() / 1000, forKey: .priority)
        try c.encode(s.status.rawValue, forKey: .status)
        try c.encode(s.offence, forKey: .offence)
        try c.encode(s.firstReported, forKey: .firstReported)
        try c.encode(s.lastReported, forKey: .lastReported)
        try c.encode(s.account, forKey: .account)
        try c.encode(s.platformRef, forKey: .platformRef)
    }
}

/// `clusters show --json`: flat, the summary's fields beside its reports and its history.
struct ClusterDetailJSON: Encodable {
    var detail: ClusterDetail

    enum CodingKeys: String, CodingKey {
        case note, reason, events, checks
        case notifiedAt = "notified_at"
        case notifiedChannel = "notified_channel"
        case reportList = "report_list"
        case notices, replies
        case mergedInto = "merged_into"
        case absorbed
        case splitFrom = "split_from"
    }

    func encode(to encoder: any Encoder) throws {
        let d = detail
        try ClusterJSON(cluster: d.summary).encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(d.note, forKey: .note)
        try c.encode(d.reason, forKey: .reason)
        try c.encode(d.notifiedAt, forKey: .notifiedAt)
        try c.encode(d.notifiedChannel, forKey: .notifiedChannel)
        try c.encode(d.reportList.map(ClusterReportJSON.init), forKey: .reportList)
        try c.encode(d.events.map(ClusterEventJSON.init), forKey: .events)
        try c.encode(d.notices.map(NoticeJSON.init), forKey: .notices)
        try c.encode(d.replies.map(PlatformReplyJSON.init), forKey: .replies)
        try c.encode(d.checks.map(LinkCheckJSON.init), forKey: .checks)
        try c.encode(d.lineage.mergedInto, forKey: .mergedInto)
        try c.encode(d.lineage.absorbed, forKey: .absorbed)
        try c.encode(d.lineage.splitFrom, forKey: .splitFrom)
    }
}

/// A merge or a split, in `clusters overrides --json`.
struct OverrideJSON: Encodable {
    var record: IdentityOverrideRecord

    enum CodingKeys: String, CodingKey {
        case kind, source, target, author, at, note
        case sourceCluster = "source_cluster"
        case targetCluster = "target_cluster"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record.kind.rawValue, forKey: .kind)
        try c.encode(record.source, forKey: .source)
        try c.encode(record.target, forKey: .target)
        try c.encode(record.sourceClusterID, forKey: .sourceCluster)
        try c.encode(record.targetClusterID, forKey: .targetCluster)
        try c.encode(record.author, forKey: .author)
        try c.encode(record.at, forKey: .at)
        try c.encode(record.note, forKey: .note)
    }
}

/// A notice mailed to the platform, in `clusters show --json`.
struct NoticeJSON: Encodable {
    var notice: SentNotice

    enum CodingKeys: String, CodingKey {
        case recipient, author, state
        case messageID = "message_id"
        case createdAt = "created_at"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(notice.messageID, forKey: .messageID)
        try c.encode(notice.recipient, forKey: .recipient)
        try c.encode(notice.author, forKey: .author)
        try c.encode(notice.createdAt, forKey: .createdAt)
        try c.encodeIfPresent(notice.state?.rawValue, forKey: .state)
    }
}

/// A platform's reply, in `clusters show --json` and `clusters replies --json`.
struct PlatformReplyJSON: Encodable {
    var reply: PlatformReply

    enum CodingKeys: String, CodingKey {
        case from, subject, excerpt
        case messageID = "message_id"
        case clusterID = "cluster_id"
        case noticeMessageID = "notice_message_id"
        case receivedAt = "received_at"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reply.messageID, forKey: .messageID)
        try c.encode(reply.clusterID, forKey: .clusterID)
        try c.encode(reply.noticeMessageID, forKey: .noticeMessageID)
        try c.encode(reply.receivedAt, forKey: .receivedAt)
        try c.encode(reply.from, forKey: .from)
        try c.encode(reply.subject, forKey: .subject)
        try c.encode(reply.excerpt, forKey: .excerpt)
    }
}

/// One recheck of a URL in `clusters show --json` and `clusters check --json`.
struct LinkCheckJSON: Encodable {
    var check: LinkCheck

    enum CodingKeys: String, CodingKey {
        case url, verdict, detail, method
        case checkedAt = "checked_at"
        case httpStatus = "http_status"
        case finalURL = "final_url"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(check.url, forKey: .url)
        try c.encode(check.checkedAt, forKey: .checkedAt)
        try c.encode(check.httpStatus, forKey: .httpStatus)
        try c.encode(check.finalURL, forKey: .finalURL)
        try c.encode(check.verdict.rawValue, forKey: .verdict)
        try c.encode(check.detail, forKey: .detail)
        try c.encode(check.method.rawValue, forKey: .method)
    }
}

/// One report of a cluster in `clusters show --json`.
struct ClusterReportJSON: Encodable {
    var report: ClusterReport

    enum CodingKeys: String, CodingKey {
        case reporter, subject, excerpt, urls
        case reportID = "report_id"
        case receivedAt = "received_at"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(report.reportID, forKey: .reportID)
        try c.encode(report.receivedAt, forKey: .receivedAt)
        try c.encodeIfPresent(report.reporter, forKey: .reporter)
        try c.encodeIfPresent(report.subject, forKey: .subject)
        try c.encode(report.excerpt, forKey: .excerpt)
        try c.encode(report.urls, forKey: .urls)
    }
}

/// One entry of a cluster's audit trail in `clusters show --json`.
struct ClusterEventJSON: Encodable {
    var event: ClusterEvent

    enum CodingKeys: String, CodingKey {
        case at, author, from, to, offence, note, channel, reason
        case platformRef = "platform_ref"
    }

    func encode(to encoder: any Encoder) throws {
        let e = event
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(e.at, forKey: .at)
        try c.encode(e.author, forKey: .author)
        try c.encode(e.from.rawValue, forKey: .from)
        try c.encode(e.to.rawValue, forKey: .to)
        try c.encodeIfPresent(e.offence, forKey: .offence)
        try c.encodeIfPresent(e.note, forKey: .note)
        try c.encodeIfPresent(e.platformRef, forKey: .platformRef)
        try c.encodeIfPresent(e.channel, forKey: .channel)
        try c.encodeIfPresent(e.reason, forKey: .reason)
    }
}

/// One account of `accounts list --json`.
struct AccountJSON: Encodable {
    var account: AccountSummary

    enum CodingKeys: String, CodingKey {
        case key, platform, posts, reporters, reports
        case lastReported = "last_reported"
    }

    func encode(to encoder: any Encoder) throws {
        let a = account
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(a.key, forKey: .key)
        try c.encode(a.platform.rawValue, forKey: .platform)
        try c.encode(a.posts, forKey: .posts)
        try c.encode(a.reporters, forKey: .reporters)
        try c.encode(a.reports, forKey: .reports)
        try c.encodeIfPresent(a.lastReported, forKey: .lastReported)
    }
}

/// `subscribers show --json`.
struct SubscriberJSON: Encodable {
    var subscriber: Subscriber
    /// The consent history (`subscribers show --json`); absent elsewhere.
    var consent: [ConsentRecord]? = nil

    enum CodingKeys: String, CodingKey {
        case id, email, name, language, status, bounces, consent
        case tokenSalt = "token_salt"
        case createdAt = "created_at"
        case statusChangedAt = "status_changed_at"
        case statusReason = "status_reason"
    }

    func encode(to encoder: any Encoder) throws {
        let s = subscriber
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(s.id, forKey: .id)
        try c.encode(s.email, forKey: .email)
        try c.encodeIfPresent(s.name, forKey: .name)
        try c.encodeIfPresent(s.language, forKey: .language)
        try c.encode(s.status.rawValue, forKey: .status)
        try c.encode(s.tokenSalt, forKey: .tokenSalt)
        try c.encode(s.createdAt, forKey: .createdAt)
        try c.encodeIfPresent(s.statusChangedAt, forKey: .statusChangedAt)
        try c.encodeIfPresent(s.statusReason, forKey: .statusReason)
        try c.encode(s.bounces, forKey: .bounces)
        try c.encodeIfPresent(consent?.map(ConsentJSON.init), forKey: .consent)
    }
}

/// One consent entry: when, subscribed or unsubscribed, the channel, when it was asked for (double opt-in).
struct ConsentJSON: Encodable {
    var at: Date
    var action: String
    var channel: String
    var requestedAt: Date?
    var detail: String?

    init(_ r: ConsentRecord) {
        at = r.at
        action = r.action.rawValue
        channel = r.channel.rawValue
        requestedAt = r.requestedAt
        detail = r.detail
    }

    enum CodingKeys: String, CodingKey {
        case at, action, channel, detail
        case requestedAt = "requested_at"
    }
}

/// `subscribers count --json`: {active, unsubscribed, bounced}.
struct SubscriberCountsJSON: Encodable {
    var counts: SubscriberCounts

    enum CodingKeys: String, CodingKey { case active, unsubscribed, bounced }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(counts.active, forKey: .active)
        try c.encode(counts.unsubscribed, forKey: .unsubscribed)
        try c.encode(counts.bounced, forKey: .bounced)
    }
}

/// `newsletter status --json`: {edition, total, sent, failed, deferred, pending, skipped}.
struct EditionStatusJSON: Encodable {
    var status: EditionStatus

    enum CodingKeys: String, CodingKey { case edition, total, sent, failed, deferred, pending, skipped }

    func encode(to encoder: any Encoder) throws {
        let s = status
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(s.edition, forKey: .edition)
        try c.encode(s.total, forKey: .total)
        try c.encode(s.sent, forKey: .sent)
        try c.encode(s.failed, forKey: .failed)
        try c.encode(s.deferred, forKey: .deferred)
        try c.encode(s.pending, forKey: .pending)
        try c.encode(s.skipped, forKey: .skipped)
    }
}

/// One failed delivery of `newsletter failures --json`.
struct DeliveryFailureJSON: Encodable {
    var failure: DeliveryFailure

    enum CodingKeys: String, CodingKey { case email, attempts, code, reply }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(failure.email, forKey: .email)
        try c.encode(failure.attempts, forKey: .attempts)
        try c.encodeIfPresent(failure.code, forKey: .code)
        try c.encodeIfPresent(failure.reply, forKey: .reply)
    }
}

/// One entry of `newsletter scheduled --json`.
struct ScheduledEditionJSON: Encodable {
    var entry: ScheduledEdition

    init(_ entry: ScheduledEdition) { self.entry = entry }

    enum CodingKeys: String, CodingKey {
        case id, edition, queue, sendAt = "send_at", state, startedAt = "started_at",
            sentAt = "sent_at"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entry.id, forKey: .id)
        try c.encode(entry.editionID, forKey: .edition)
        try c.encode(entry.queue, forKey: .queue)
        try c.encode(entry.sendAt, forKey: .sendAt)
        try c.encode(entry.state.rawValue, forKey: .state)
        try c.encode(entry.startedAt, forKey: .startedAt)
        try c.encode(entry.sentAt, forKey: .sentAt)
    }
}
