import Foundation
import VigieCore
import VigieStore

extension AppContext {
    /// `platforms.toml`, loaded and validated.
    public func platformDirectory() throws -> PlatformDirectory {
        try PlatformDirectory.load(path: config.platformsFile)
    }

    /// Notices by mail: the moderation workflow, the platforms file and the enabled `notices` queue (if any).
    public func noticeMailer() throws -> NoticeMailer {
        let queue = queues.lazy.compactMap { q -> OutboundQueue? in
            if case .outbound(let o) = q, o.kind == .notices, o.enabled { return o }
            return nil
        }.first
        return NoticeMailer(
            moderation: try moderation(), platforms: try platformDirectory(),
            settings: try queue.map { try NoticeSettings.from($0, config: config) }, queuesDir: config.queuesDir,
            logger: logger)
    }

    /// Evidence: fetching reported pages once, and the export for lawyers.
    public func evidenceService() throws -> EvidenceService {
        EvidenceService(
            store: try store(), settings: config.evidence ?? EvidenceSettings(), weights: config.clusters.weights,
            logger: logger)
    }

    /// Platforms' replies to notices, newest first: of one cluster, the unmatched ones, or all.
    public func platformReplies(
        clusterID: Int64? = nil, unmatchedOnly: Bool = false, limit: Int? = nil
    ) throws
        -> [PlatformReply]
    {
        try store().platformReplies(clusterID: clusterID, unmatchedOnly: unmatchedOnly, limit: limit)
    }
}
