import Foundation
import Logging
import VigieCore
import VigieMail
import VigieStore

/// Acts on mail to the platform-replies mailbox: each answer is matched to the notice it names (`In-Reply-To`, then
/// `References` from the nearest), hence to its cluster, and joins that cluster's audit trail. A mail that names no
/// notice of ours is kept unmatched and listed (`vigie clusters replies --unmatched`), never dropped.
public struct PlatformReplyProcessor: IntakeProcessor {
    let store: Store
    let queue: String
    let logger: Logger

    public init(store: Store, queue: String, logger: Logger) {
        self.store = store
        self.queue = queue
        self.logger = logger
    }

    public func processPending() throws -> IntakeStats {
        try drain(queue: queue, store: store)
    }

    public func process(_ items: [MessageToParse]) throws -> IntakeStats {
        var stats = IntakeStats()
        var outcomes: [PlatformReplyOutcome] = []
        for item in items {
            let parsed: ParsedMessage
            do {
                parsed = try MessageParser.parse(item.raw)
            } catch {
                outcomes.append(
                    PlatformReplyOutcome(
                        storedMessageID: item.id, status: .unparsed, error: "\(error)", reply: nil))
                stats.unparsed += 1
                continue
            }
            let named =
                MessageIDList.ids(in: parsed.header("In-Reply-To"))
                + MessageIDList.ids(in: parsed.header("References")).reversed()
            let match = try store.matchNotice(messageIDs: named)
            let reply = PlatformReply(
                messageID: item.id, clusterID: match?.clusterID, noticeMessageID: match?.messageID,
                receivedAt: item.receivedAt ?? Date(), from: parsed.from?.address, subject: parsed.subject,
                excerpt: Excerpt.make(parsed.text, maxLength: 600))
            if let match {
                logger.info("platform reply: message \(item.id) answers the notice of cluster \(match.clusterID)")
            } else {
                logger.info("platform reply: message \(item.id) names no notice of ours; kept unmatched")
            }
            outcomes.append(PlatformReplyOutcome(storedMessageID: item.id, status: .parsed, error: nil, reply: reply))
            stats.parsed += 1
        }
        try store.savePlatformReplies(outcomes)
        return stats
    }
}
