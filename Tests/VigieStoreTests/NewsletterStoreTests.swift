import Foundation
import Testing
import VigieCore
import VigieStore

@Suite struct NewsletterStoreTests {
    @Test func importNeverResubscribesAndMergesDuplicates() throws {
        let t = try TempStore()
        var s = try t.store.importSubscribers([
            SubscriberRow(email: "a@exemple.fr", name: "A", language: "fr"),
            SubscriberRow(email: "b@exemple.fr", name: nil, language: nil),
            SubscriberRow(email: "A@exemple.fr", name: "A", language: "fr"),  // same address, other case
        ])
        #expect(s.imported == 2)
        #expect(s.unchanged == 1)
        try t.store.setSubscriberStatus(email: "b@exemple.fr", to: .unsubscribed, reason: "one-click")
        s = try t.store.importSubscribers([
            SubscriberRow(email: "b@exemple.fr", name: "B", language: nil),
            SubscriberRow(email: "a@exemple.fr", name: "Anne", language: "fr"),
        ])
        #expect(s.keptOut == 1)
        #expect(s.updated == 1)
        #expect(try t.store.subscriberCounts() == SubscriberCounts(active: 1, unsubscribed: 1, bounced: 0))
        #expect(throws: SubscriberError.self) {
            try t.store.addSubscriber(SubscriberRow(email: "b@exemple.fr", name: nil, language: nil))
        }
        let back = try t.store.addSubscriber(
            SubscriberRow(email: "b@exemple.fr", name: nil, language: nil),
            resubscribe: true)
        #expect(back.status == .active)
        #expect(back.tokenSalt == 1)
    }

    @Test func snapshotOnceResumeAndCrashRecovery() throws {
        let t = try TempStore()
        _ = try t.store.importSubscribers(
            (1...10).map { SubscriberRow(email: "s\($0)@x.fr", name: nil, language: nil) })
        #expect(try t.store.startEdition(id: "2026-11-21", subject: "Lettre", date: "2026-11-21", sourceSHA256: "aa"))
        // Subscribers arriving later are not added to an edition already started.
        _ = try t.store.importSubscribers([SubscriberRow(email: "late@x.fr", name: nil, language: nil)])
        #expect(try !t.store.startEdition(id: "2026-11-21", subject: "Lettre", date: "2026-11-21", sourceSHA256: "aa"))
        #expect(throws: EditionError.self) {
            try t.store.startEdition(id: "2026-11-21", subject: "Autre", date: "2026-11-21", sourceSHA256: "bb")
        }
        var due = try t.store.dueDeliveries(editionID: "2026-11-21", limit: 100)
        #expect(due.count == 10)
        // Connection 1 sends #1, then #2 is in flight when the process dies.
        try t.store.record(editionID: "2026-11-21", result: nil, nextSending: due[0].subscriberID)
        try t.store.record(
            editionID: "2026-11-21",
            result: DeliveryUpdate(
                subscriberID: due[0].subscriberID, state: .sent, attempts: 1,
                code: 250, reply: "250 ok"),
            nextSending: due[1].subscriberID)
        #expect(try t.store.recoverInFlight(editionID: "2026-11-21") == 1)
        due = try t.store.dueDeliveries(editionID: "2026-11-21", limit: 100)
        #expect(due.count == 9)
        #expect(due.first?.subscriberID == due.first?.subscriberID)
        let status = try #require(try t.store.editionStatus("2026-11-21"))
        #expect(status == EditionStatus(edition: "2026-11-21", total: 10, sent: 1, failed: 0, deferred: 0, pending: 9))
    }

    @Test func deferredFailedRetryAndWithdrawal() throws {
        let t = try TempStore()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try t.store.importSubscribers((1...3).map { SubscriberRow(email: "s\($0)@x.fr", name: nil, language: nil) })
        try t.store.startEdition(id: "e", subject: "s", date: "d", sourceSHA256: "x")
        let due = try t.store.dueDeliveries(editionID: "e", now: now, limit: 10)
        try t.store.record(
            editionID: "e",
            result: DeliveryUpdate(
                subscriberID: due[0].subscriberID, state: .deferred,
                attempts: 1, nextAttemptAt: now.addingTimeInterval(60),
                code: 451, reply: "451 try later"), nextSending: nil)
        try t.store.record(
            editionID: "e",
            result: DeliveryUpdate(
                subscriberID: due[1].subscriberID, state: .failed,
                attempts: 1, code: 550, reply: "550 no such user"),
            nextSending: nil)
        #expect(try t.store.dueDeliveries(editionID: "e", now: now, limit: 10).count == 1)
        #expect(try t.store.dueDeliveries(editionID: "e", now: now.addingTimeInterval(61), limit: 10).count == 2)
        #expect(try t.store.nextDeferredAttempt(editionID: "e") == now.addingTimeInterval(60))
        #expect(
            try t.store.deliveryFailures(editionID: "e") == [
                DeliveryFailure(
                    email: "s2@x.fr", attempts: 1, code: 550,
                    reply: "550 no such user")
            ])
        #expect(try t.store.retryFailed(editionID: "e") == 1)
        // Unsubscribing withdraws what is still queued for that person: closed `skipped`, not a failure.
        try t.store.setSubscriberStatus(email: "s3@x.fr", to: .unsubscribed, reason: "one-click")
        let st = try #require(try t.store.editionStatus("e"))
        #expect(st.failed == 0)
        #expect(st.skipped == 1)
        #expect(st.deferred == 1)
        #expect(st.pending == 1)
    }
}
