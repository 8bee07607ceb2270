import Foundation
import Logging
import VigieCore
import VigieMail
import VigieStore

/// What an intake queue does with its stored messages once they are safe (reports, or subscribers' mail).
public protocol IntakeProcessor: Sendable {
    /// Processes every stored message of the queue still awaiting it.
    func processPending() throws -> IntakeStats
    /// Processes messages just stored (and already claimed), straight from memory.
    func process(_ items: [MessageToParse]) throws -> IntakeStats
    /// The same in two halves: the work that needs no database (parsing) now, the saving when the returned closure
    /// is called. The intake runner parses a batch while the previous one is being saved.
    func prepare(_ items: [MessageToParse]) -> @Sendable () throws -> IntakeStats
    /// Completes what was deferred during a pass (the reports' linking); called once a pass stored everything.
    func finishPass() throws
}

extension IntakeProcessor {
    /// Nothing done ahead: everything happens when the closure is called.
    public func prepare(_ items: [MessageToParse]) -> @Sendable () throws -> IntakeStats {
        { try self.process(items) }
    }

    /// Nothing deferred.
    public func finishPass() throws {}
}

extension IntakeProcessor {
    /// Claims and processes, batch by batch, what an interrupted run left unparsed.
    func drain(queue: String, store: Store) throws -> IntakeStats {
        var stats = IntakeStats()
        while true {
            let items = try store.claimForParsing(queue: queue, limit: 512)
            if items.isEmpty { return stats }
            stats = stats + (try process(items))
        }
    }
}

/// Turns stored raw messages into reports: parse, classify (RFC 3834), extract URLs — all after the raw bytes are safe.
public struct ReportProcessor: IntakeProcessor {
    let store: Store
    let queue: String
    let extractor: URLExtractor
    let maxMessageBytes: Int
    let logger: Logger
    /// Called with the ids of messages that became citizen reports, once saved (clustering hooks in here).
    public var onReports: (@Sendable ([Int64]) throws -> Void)?
    /// Called first by `processPending`: links the reports an interrupted run saved but did not link.
    public var onInterrupted: (@Sendable () throws -> Void)?
    /// Called at the end of each pass: links the reports `onReports` left waiting.
    public var onPassEnd: (@Sendable () throws -> Void)?
    /// Writes the acknowledgements citizen reports are owed, saved with the reports; nil: none are sent.
    public var acknowledger: Acknowledger?

    public init(store: Store, queue: String, extractor: URLExtractor, maxMessageBytes: Int, logger: Logger) {
        self.store = store
        self.queue = queue
        self.extractor = extractor
        self.maxMessageBytes = maxMessageBytes
        self.logger = logger
    }

    /// Parses every message still awaiting it; returns the counts by outcome.
    @discardableResult
    public func processPending() throws -> IntakeStats {
        try onInterrupted?()
        return try drain(queue: queue, store: store)
    }

    public func finishPass() throws {
        try onPassEnd?()
    }

    /// Parses on all cores, saves in one transaction, then links the new reports to their clusters.
    public func process(_ items: [MessageToParse]) throws -> IntakeStats {
        try prepare(items)()
    }

    /// Parses on all cores now; the closure saves in one transaction, then links the new reports to their clusters.
    public func prepare(_ items: [MessageToParse]) -> @Sendable () throws -> IntakeStats {
        let clock = ContinuousClock()
        let t0 = clock.now
        let outcomes = items.parallelMap { item in self.process(item) }
        let parsing = clock.now - t0
        let receivedAt = Dictionary(items.map { ($0.id, $0.receivedAt) }, uniquingKeysWith: { a, _ in a })
        return { try self.save(outcomes, receivedAt: receivedAt, parsing: parsing) }
    }

    private func save(
        _ outcomes: [ParseOutcome], receivedAt stored: [Int64: Date?], parsing: Duration
    ) throws -> IntakeStats {
        var stats = IntakeStats()
        guard !outcomes.isEmpty else { return stats }
        let clock = ContinuousClock()
        let t1 = clock.now
        let now = Date()
        let receivedAt = stored.mapValues { $0 ?? now }
        let acks = try store.saveParsed(
            outcomes,
            acknowledgements: acknowledger?.batch(
                for: outcomes, receivedAt: receivedAt,
                now: now))
        if !acks.enqueued.isEmpty || !acks.grouped.isEmpty {
            logger.info(
                "acknowledgements: \(acks.enqueued.count) enqueued, \(acks.grouped.count) grouped into an earlier one")
        }
        let t2 = clock.now
        defer {
            logger.debug("\(outcomes.count) messages: parse \(parsing), save \(t2 - t1), cluster \(clock.now - t2)")
        }
        var reportIDs: [Int64] = []
        for o in outcomes {
            switch o.status {
            case .parsed:
                stats.parsed += 1
                reportIDs.append(o.messageID)
            case .automatic: stats.automatic += 1
            case .unparsed:
                stats.unparsed += 1
                logger.warning("message \(o.messageID) kept unparsed: \(o.error ?? "unknown error")")
            case .tooLarge: stats.tooLarge += 1
            case .received: break
            }
        }
        if let onReports, !reportIDs.isEmpty { try onReports(reportIDs) }
        return stats
    }

    /// The verdict on one message; never throws: a failure becomes status `unparsed` with its error.
    func process(_ item: MessageToParse) -> ParseOutcome {
        let parsed: ParsedMessage
        do {
            parsed = try MessageParser.parse(item.raw)
        } catch {
            let status: MessageStatus = item.truncated ? .tooLarge : .unparsed
            return ParseOutcome(
                messageID: item.id, status: status, parsed: nil, urls: [], automaticReason: nil,
                error: "\(error)")
        }
        if item.truncated {
            return ParseOutcome(
                messageID: item.id, status: .tooLarge, parsed: parsed, urls: [], automaticReason: nil,
                error: "message of \(item.size) bytes is over max_message_bytes (\(maxMessageBytes)); headers kept")
        }
        if let reason = AutomaticMail.reason(for: parsed) {
            return ParseOutcome(
                messageID: item.id, status: .automatic, parsed: parsed, urls: [],
                automaticReason: reason, error: nil)
        }
        // Bytes past a structural limit are searched too: no reported link is hidden from moderators.
        let text = parsed.unstructuredText.isEmpty ? parsed.text : parsed.text + "\n" + parsed.unstructuredText
        let urls = extractor.extract(text: text, links: parsed.htmlLinks)
        return ParseOutcome(
            messageID: item.id, status: .parsed, parsed: parsed, urls: urls, automaticReason: nil,
            error: nil)
    }
}
