import Foundation
import GRDB
import Testing
import VigieCore

@testable import VigieStore

/// Acknowledgements saved with their reports: the interval rule over stored rows, with a manual `now`.
@Suite struct AcknowledgementStoreTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!
    static let t0 = Date(timeIntervalSince1970: 1_796_198_400)

    /// Stores `n` messages and returns their ids, claimed for parsing.
    static func stored(_ t: TempStore, _ n: Int) throws -> [Int64] {
        let batch = (1...n).map { incoming(UInt32($0), body: "Subject: r\($0)\r\n\r\nhttps://x.com/a/status/\($0)") }
        let out = try t.store.commit(
            batch: batch, queue: "reports", mailbox: "m", uidValidity: 1,
            lastUID: UInt32(n), now: t0)
        _ = try t.store.claimForParsing(limit: n)
        return out.compactMap { if case .inserted(let id) = $0 { return id } else { return nil } }
    }

    static func parsed(_ id: Int64) -> ParseOutcome {
        var p = ParsedMessage()
        p.from = MailAddress(address: "camille@exemple.fr")
        return ParseOutcome(messageID: id, status: .parsed, parsed: p, urls: [], automaticReason: nil, error: nil)
    }

    static func ack(_ id: Int64, to: String = "Camille@Exemple.fr") -> OutboxItem {
        OutboxItem(
            kind: .acknowledgement, queue: "acknowledgements", dedupeKey: "ack:report:\(id)", recipient: to,
            envelopeFrom: "", messageID: "ack.\(id)@example.org", bytes: Array("x\r\n".utf8),
            subjectRef: "report:\(id)")
    }

    static func save(
        _ t: TempStore, _ ids: [Int64], at now: Date, to: String = "Camille@Exemple.fr"
    ) throws
        -> AcknowledgementResult
    {
        try t.store.saveParsed(
            ids.map(parsed),
            acknowledgements: AcknowledgementBatch(
                items: ids.map { ack($0, to: to) }, interval: AcknowledgementInterval(hours: 24, timeZone: paris),
                now: now))
    }

    static func states(_ t: TempStore) throws -> [String: String] {
        try t.store.pool.read { db in
            var out: [String: String] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT dedupe_key, state FROM outbox") {
                out[r["dedupe_key"]] = r["state"]
            }
            return out
        }
    }

    @Test func oneAddressIsAnsweredOncePerIntervalWhateverItsCase() throws {
        let t = try TempStore()
        let ids = try Self.stored(t, 4)
        // Two reports in one batch: the second is grouped.
        #expect(
            try Self.save(t, [ids[0], ids[1]], at: Self.t0)
                == AcknowledgementResult(enqueued: ["ack:report:\(ids[0])"], grouped: ["ack:report:\(ids[1])"]))
        // 23 h later, still grouped (the address compared without case); 24 h later, answered again.
        #expect(
            try Self.save(t, [ids[2]], at: Self.t0.addingTimeInterval(23 * 3600), to: "camille@exemple.fr")
                .grouped.count == 1)
        #expect(try Self.save(t, [ids[3]], at: Self.t0.addingTimeInterval(24 * 3600)).enqueued.count == 1)
        let reason = try t.store.pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT last_reply FROM outbox WHERE dedupe_key = ?",
                arguments: ["ack:report:\(ids[1])"])
        }
        #expect(reason == "grouped: acknowledged SIG-2026-\(String(format: "%06d", ids[0])) at 2026-12-02 09:00 +01:00")
        // Saved again (a crash and a re-parse): the records stay as they were.
        let before = try Self.states(t)
        #expect(try Self.save(t, ids, at: Self.t0.addingTimeInterval(48 * 3600)) == AcknowledgementResult())
        #expect(try Self.states(t) == before)
    }

    @Test func aFailedAcknowledgementDoesNotCountAgainstTheInterval() throws {
        let t = try TempStore()
        let ids = try Self.stored(t, 2)
        _ = try Self.save(t, [ids[0]], at: Self.t0)
        try t.store.pool.write { db in
            try db.execute(
                sql: "UPDATE outbox SET state = 'failed' WHERE dedupe_key = ?", arguments: ["ack:report:\(ids[0])"])
        }
        #expect(try Self.save(t, [ids[1]], at: Self.t0.addingTimeInterval(60)).enqueued == ["ack:report:\(ids[1])"])
    }
}
