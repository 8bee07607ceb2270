import Foundation
import Testing
import VigieCore
import VigieStore

@Suite struct LeaseStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func secondHolderIsRefusedUntilExpiry() throws {
        let t = try TempStore()
        let s = t.store
        #expect(
            try s.acquireLease(job: "newsletter:e1", token: "A", pid: 100, host: "h1", ttl: 30, now: t0)
                == .acquired(previous: nil))
        // Another holder, while A's lease is alive: refused, and told who holds it since when.
        guard
            case .held(let h) = try s.acquireLease(
                job: "newsletter:e1", token: "B", pid: 200, host: "h2", ttl: 30,
                now: t0.addingTimeInterval(29))
        else {
            Issue.record("B took a live lease")
            return
        }
        #expect(h.pid == 100 && h.host == "h1" && h.token == "A" && h.since == t0)
        #expect(h.expiresAt == t0.addingTimeInterval(30))
        // Another job is independent.
        #expect(
            try s.acquireLease(job: "newsletter:e2", token: "B", pid: 200, host: "h2", ttl: 30, now: t0)
                == .acquired(previous: nil))
        // After the expiry, B takes it over and the store says from whom.
        guard
            case .acquired(let previous?) = try s.acquireLease(
                job: "newsletter:e1", token: "B", pid: 200, host: "h2",
                ttl: 30, now: t0.addingTimeInterval(31))
        else {
            Issue.record("B could not take an expired lease")
            return
        }
        #expect(previous.token == "A")
        let now = try #require(try s.leaseHolder(job: "newsletter:e1"))
        #expect(now.token == "B" && now.pid == 200 && now.since == t0.addingTimeInterval(31))
    }

    @Test func deadHolderOnThisHostIsTakenOverAtOnce() throws {
        let t = try TempStore()
        let s = t.store
        _ = try s.acquireLease(job: "poll:u@h/INBOX", token: "A", pid: 100, host: "h1", ttl: 30, now: t0)
        // A live holder is kept; one declared gone is taken over before its expiry.
        #expect(
            try s.acquireLease(
                job: "poll:u@h/INBOX", token: "B", pid: 200, host: "h1", ttl: 30, now: t0,
                isGone: { _ in false }) != .acquired(previous: nil))
        let outcome = try s.acquireLease(
            job: "poll:u@h/INBOX", token: "B", pid: 200, host: "h1", ttl: 30, now: t0,
            isGone: { $0.pid == 100 })
        guard case .tookOver(let from) = outcome else {
            Issue.record("not taken over: \(outcome)")
            return
        }
        #expect(from.pid == 100)
        #expect(try s.holdsLease(job: "poll:u@h/INBOX", token: "B"))
        #expect(try !s.holdsLease(job: "poll:u@h/INBOX", token: "A"))
    }

    @Test func onlyTheHolderRenewsOrReleases() throws {
        let t = try TempStore()
        let s = t.store
        _ = try s.acquireLease(job: "clusters:rebuild", token: "A", pid: 100, host: "h1", ttl: 30, now: t0)
        #expect(try !s.renewLease(job: "clusters:rebuild", token: "B", ttl: 30, now: t0.addingTimeInterval(20)))
        #expect(try !s.releaseLease(job: "clusters:rebuild", token: "B"))
        #expect(try s.leaseHolder(job: "clusters:rebuild")?.expiresAt == t0.addingTimeInterval(30))
        // The holder's renewal pushes the expiry: B is still refused where the first expiry would have let it in.
        #expect(try s.renewLease(job: "clusters:rebuild", token: "A", ttl: 30, now: t0.addingTimeInterval(20)))
        if case .held = try s.acquireLease(
            job: "clusters:rebuild", token: "B", pid: 200, host: "h2", ttl: 30,
            now: t0.addingTimeInterval(40))
        {
        } else {
            Issue.record("a renewed lease was taken")
        }
        // A renewal after the expiry still works while nobody took it over; after a takeover it fails.
        #expect(try s.renewLease(job: "clusters:rebuild", token: "A", ttl: 30, now: t0.addingTimeInterval(55)))
        _ = try s.acquireLease(
            job: "clusters:rebuild", token: "B", pid: 200, host: "h2", ttl: 30,
            now: t0.addingTimeInterval(90))
        #expect(try !s.renewLease(job: "clusters:rebuild", token: "A", ttl: 30, now: t0.addingTimeInterval(91)))
        #expect(try !s.releaseLease(job: "clusters:rebuild", token: "A"))
        #expect(try s.holdsLease(job: "clusters:rebuild", token: "B"))
        // The holder's release frees the job for anyone at once.
        #expect(try s.releaseLease(job: "clusters:rebuild", token: "B"))
        #expect(try s.leaseHolder(job: "clusters:rebuild") == nil)
        #expect(
            try s.acquireLease(
                job: "clusters:rebuild", token: "C", pid: 300, host: "h3", ttl: 30,
                now: t0.addingTimeInterval(92)) == .acquired(previous: nil))
    }

    /// The take marks `sending` only under the lease and for an active subscriber; a withdrawn one is closed `skipped`.
    @Test func takeChecksLeaseAndSubscriberInOneStatement() throws {
        let t = try TempStore()
        let s = t.store
        _ = try s.importSubscribers((1...3).map { SubscriberRow(email: "s\($0)@x.fr", name: nil, language: nil) })
        try s.startEdition(id: "e", subject: "Lettre", date: "2026-11-21", sourceSHA256: "aa")
        _ = try s.acquireLease(job: "newsletter:e", token: "A", pid: 1, host: "h", ttl: 30, now: t0)
        let fence = LeaseFence(job: "newsletter:e", token: "A")
        let due = try s.dueDeliveries(editionID: "e", limit: 10)
        #expect(try s.record(editionID: "e", result: nil, nextSending: due[0].subscriberID, fence: fence) == .sending)
        // Taking the same row twice is refused: it is no longer pending.
        #expect(try s.record(editionID: "e", result: nil, nextSending: due[0].subscriberID, fence: fence) == .notDue)
        // Withdrawn before its turn: the withdrawal closes the row, and the take then refuses it.
        try s.setSubscriberStatus(email: due[1].email, to: .unsubscribed, reason: "one-click")
        #expect(try s.record(editionID: "e", result: nil, nextSending: due[1].subscriberID, fence: fence) == .notDue)
        // Withdrawn while its message was on the wire, which the relay deferred: the retry is closed by the take.
        try s.setSubscriberStatus(email: due[0].email, to: .unsubscribed, reason: "one-click")
        #expect(
            try s.record(
                editionID: "e",
                result: DeliveryUpdate(
                    subscriberID: due[0].subscriberID, state: .deferred,
                    attempts: 1, nextAttemptAt: t0, code: 451),
                nextSending: due[0].subscriberID, fence: fence)
                == .skipped(reason: "not sent: subscriber unsubscribed"))
        // Taken over by another runner: the old holder can take nothing more.
        _ = try s.acquireLease(
            job: "newsletter:e", token: "B", pid: 2, host: "h", ttl: 30, now: t0, isGone: { _ in true })
        #expect(try s.record(editionID: "e", result: nil, nextSending: due[2].subscriberID, fence: fence) == .leaseLost)
        let status = try #require(try s.editionStatus("e"))
        #expect(status.skipped == 2)
        #expect(status.pending == 1)
        #expect(try s.dueDeliveries(editionID: "e", limit: 10).map(\.subscriberID) == [due[2].subscriberID])
    }
}
