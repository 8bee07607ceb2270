import Foundation
import GRDB
import Testing
import VigieCore
@testable import VigieStore

/// The outbox's sending side in the store: what is due, the take under the lease fence, outcomes, give-back,
/// recovery after a crash, counts, failures, retry and the retention of message bytes.
@Suite struct OutboxSendingStoreTests {
    static func item(_ n: Int, queue: String = "acknowledgements", kind: OutboxKind = .acknowledgement) -> OutboxItem {
        OutboxItem(kind: kind, queue: queue, dedupeKey: "\(queue):\(n)", recipient: "c\(n)@exemple.fr",
                   envelopeFrom: "", messageID: "m\(n)@vigie.example.org",
                   bytes: Array("Subject: \(n)\r\n\r\nx\r\n".utf8), subjectRef: "report:\(n)")
    }

    /// A fresh store with `n` acknowledgements enqueued and the lease `outbox:acknowledgements` held by `token`.
    static func store(_ n: Int, token: String = "t1") throws -> (Store, LeaseFence, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString)").path
        let store = try Store(path: dir + "/v.sqlite")
        try store.enqueue((1...n).map { item($0) })
        _ = try store.acquireLease(job: "outbox:acknowledgements", token: token, pid: 1, host: "h", ttl: 60)
        return (store, LeaseFence(job: "outbox:acknowledgements", token: token), dir)
    }

    static func state(_ store: Store, _ id: Int64) throws -> (OutboxState, Int, Int?) {
        try store.pool.read { db in
            let r = try #require(try Row.fetchOne(db, sql: "SELECT state, attempts, last_code FROM outbox WHERE id = ?",
                                                  arguments: [id]))
            return (OutboxState(rawValue: r["state"])!, r["attempts"], r["last_code"])
        }
    }

    @Test func dueRowsAreTakenUnderTheFenceAndRecorded() throws {
        let (store, fence, dir) = try Self.store(3)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let due = try store.dueOutbox(queue: "acknowledgements", limit: 10)
        #expect(due.map(\.id) == [1, 2, 3])
        #expect(try store.dueOutbox(queue: "digest", limit: 10).isEmpty)
        #expect(try store.recordOutbox(queue: "acknowledgements", result: nil, nextSending: 1, fence: fence) == .sending)
        #expect(try store.outboxBytes(id: 1) == Array("Subject: 1\r\n\r\nx\r\n".utf8))
        // A row already taken is not due, and cannot be taken twice.
        #expect(try store.dueOutbox(queue: "acknowledgements", limit: 10).map(\.id) == [2, 3])
        #expect(try store.recordOutbox(queue: "acknowledgements", result: nil, nextSending: 1, fence: fence) == .notDue)
        // Sent (with sent_at) and the next taken, in one call.
        let sent = OutboxUpdate(id: 1, state: .sent, attempts: 1, code: 250, reply: "250 ok")
        #expect(try store.recordOutbox(queue: "acknowledgements", result: sent, nextSending: 2, fence: fence) == .sending)
        #expect(try Self.state(store, 1) == (.sent, 1, 250))
        #expect(try Self.state(store, 2).0 == .sending)
        let sentAt = try store.pool.read { db in try Double.fetchOne(db, sql: "SELECT sent_at FROM outbox WHERE id = 1") }
        #expect(sentAt != nil)
        // Deferred: due again once its time has come.
        let later = Date().addingTimeInterval(600)
        let deferred = OutboxUpdate(id: 2, state: .deferred, attempts: 1, nextAttemptAt: later, code: 451, reply: "451")
        try store.recordOutbox(queue: "acknowledgements", result: deferred, nextSending: nil)
        #expect(try store.dueOutbox(queue: "acknowledgements", limit: 10).map(\.id) == [3])
        #expect(try store.dueOutbox(queue: "acknowledgements", now: later, limit: 10).map(\.id) == [2, 3])
        #expect(abs(try #require(try store.nextDeferredOutbox(queue: "acknowledgements")).timeIntervalSince(later)) < 0.01)
    }

    @Test func aLostLeaseTakesNothing() throws {
        let (store, fence, dir) = try Self.store(1)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Another runner took the lease over (this one was presumed dead).
        _ = try store.acquireLease(job: fence.job, token: "t2", pid: 2, host: "h", ttl: 60, now: Date() + 120)
        #expect(try store.recordOutbox(queue: "acknowledgements", result: nil, nextSending: 1, fence: fence) == .leaseLost)
        #expect(try Self.state(store, 1).0 == .pending)
        // Nor may it decide that a `sending` row is a crash's.
        #expect(try store.recoverOutboxInFlight(queue: "acknowledgements", fence: fence) == nil)
    }

    @Test func aRelayFaultGivesTheRowBackAsItWas() throws {
        let (store, fence, dir) = try Self.store(2)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = OutboxUpdate(id: 2, state: .deferred, attempts: 2, nextAttemptAt: Date() - 1, code: 451, reply: "451 later")
        try store.recordOutbox(queue: "acknowledgements", result: nil, nextSending: 2, fence: fence)
        try store.recordOutbox(queue: "acknowledgements", result: d, nextSending: nil)
        for id: Int64 in [1, 2] {
            let before = try Self.state(store, id)
            let row = try #require(try store.dueOutbox(queue: "acknowledgements", limit: 10).first { $0.id == id })
            #expect(try store.recordOutbox(queue: "acknowledgements", result: nil, nextSending: id, fence: fence) == .sending)
            try store.releaseOutbox(id: id, to: row.state)
            #expect(try Self.state(store, id) == before)
        }
    }

    @Test func sendingRowsAreRecoveredUnderTheLease() throws {
        let (store, fence, dir) = try Self.store(3)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try store.recordOutbox(queue: "acknowledgements", result: nil, nextSending: 1, fence: fence)
        try store.recordOutbox(queue: "acknowledgements", result: nil, nextSending: 3, fence: fence)
        #expect(try store.recoverOutboxInFlight(queue: "acknowledgements", fence: fence) == 2)
        #expect(try store.dueOutbox(queue: "acknowledgements", limit: 10).map(\.id) == [1, 2, 3])
    }

    @Test func countsFailuresAndRetry() throws {
        let (store, fence, dir) = try Self.store(3)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try store.enqueue([Self.item(9, queue: "digest", kind: .digest)])
        try store.recordOutbox(queue: "acknowledgements", result: nil, nextSending: 1, fence: fence)
        let failed = OutboxUpdate(id: 1, state: .failed, attempts: 1, code: 550, reply: "550 5.1.1 no such user")
        try store.recordOutbox(queue: "acknowledgements", result: failed, nextSending: nil)
        let counts = try store.outboxCounts()
        #expect(counts.map { "\($0.queue)/\($0.kind.rawValue)" } == ["acknowledgements/acknowledgement", "digest/digest"])
        #expect(counts[0].failed == 1 && counts[0].pending == 2 && counts[0].unsent == 2)
        #expect(counts[1].pending == 1)
        #expect(counts[0].oldestUnsentAt != nil)

        let failures = try store.outboxFailures()
        #expect(failures.map(\.id) == [1])
        #expect(failures.first?.recipient == "c1@exemple.fr")
        #expect(failures.first?.code == 550 && failures.first?.reply == "550 5.1.1 no such user")
        #expect(try store.outboxFailures(queue: "digest").isEmpty)
        #expect(try store.outboxFailures(kind: .acknowledgement).count == 1)
        #expect(try store.retryOutboxFailed(queue: "digest") == 0)
        #expect(try store.retryOutboxFailed(queue: "acknowledgements") == 1)
        #expect(try Self.state(store, 1) == (.pending, 0, 550))
    }

    @Test func retentionClearsTheBytesOfOldSentRowsOnly() throws {
        let (store, fence, dir) = try Self.store(3)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let old = Date().addingTimeInterval(-40 * 86_400)
        try store.recordOutbox(queue: "acknowledgements", result: nil, nextSending: 1, fence: fence)
        try store.recordOutbox(queue: "acknowledgements", result: OutboxUpdate(id: 1, state: .sent, attempts: 1),
                               nextSending: 2, fence: fence, now: old)
        try store.recordOutbox(queue: "acknowledgements", result: OutboxUpdate(id: 2, state: .sent, attempts: 1),
                               nextSending: nil)
        let cutoff = Date().addingTimeInterval(-30 * 86_400)
        #expect(try store.pruneOutboxMessages(queue: "digest", sentBefore: cutoff) == 0)
        #expect(try store.pruneOutboxMessages(queue: "acknowledgements", sentBefore: cutoff) == 1)
        #expect(try store.outboxBytes(id: 1) == nil)
        #expect(try store.outboxBytes(id: 2) != nil)
        #expect(try store.outboxBytes(id: 3) != nil)
        // The record stays: the dedupe key still keeps it from being enqueued again.
        #expect(try store.outboxContains(dedupeKey: "acknowledgements:1"))
        #expect(try store.enqueue([Self.item(1)]).isEmpty)
        #expect(try store.outboxCounts().first?.pruned == 1)
    }
}
