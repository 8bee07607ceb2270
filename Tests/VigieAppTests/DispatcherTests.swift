import Foundation
import Logging
import Testing
import VigieApp
import VigieCore
import VigieStore

/// The dispatcher's orchestration against a scripted relay: what each reply does to the row, the connection and the
/// pace. The wire itself is tested against smtp-sink and TestSMTPServer in VigieIntegrationTests.
@Suite struct DispatcherTests {
    /// Fast settings: no pacing unless asked, reconnects in milliseconds, one connection (a script's order is then
    /// the order of the queue). A deferred row stays deferred for the run unless `retry` is short.
    static func settings(rate: Double = 0, connections: Int = 1, retry: Double = 3600) -> DispatchSettings {
        var s = DispatchSettings()
        s.ratePerSecond = rate
        s.connections = connections
        s.retryBaseSeconds = retry
        s.retryMaxSeconds = retry
        s.reconnectBaseSeconds = 0.01
        s.reconnectMaxSeconds = 0.01
        s.jitter = 0
        s.maxAttempts = 3
        return s
    }

    static func dispatcher(
        _ t: TempStore, edition: String, relay: ScriptedRelay, log: CapturedLog,
        settings: DispatchSettings = settings(), waitForDeferred: Bool = false,
        stop: StopSignal = StopSignal()
    ) -> Dispatcher {
        Dispatcher(
            store: t.store, editionID: edition, settings: settings,
            compose: { d in ("bounces@x.fr", "\(d.subscriberID)@x.fr", Array("Subject: x\r\n\r\nx\r\n".utf8)) },
            makeTransport: relay.factory, logger: log.logger(), stop: stop, waitForDeferred: waitForDeferred)
    }

    static func reply(_ code: Int, _ text: String) -> SMTPReply {
        SMTPReply(code: code, text: text, stage: .message)
    }

    @Test func everyDueRowIsSentOnceAndRecorded() throws {
        let t = try TempStore()
        let edition = try t.edition(subscribers: 12)
        let relay = ScriptedRelay()
        let summary = try Self.dispatcher(
            t, edition: edition, relay: relay, log: CapturedLog(),
            settings: Self.settings(connections: 3)
        ).run()
        #expect(summary.sent == 12)
        #expect(summary.failed == 0 && summary.deferred == 0 && summary.reconnects == 0)
        #expect(relay.log.count == 12)
        #expect(Set(relay.log.map(\.recipient)).count == 12)
        #expect(
            try t.store.editionStatus(edition)
                == EditionStatus(
                    edition: edition, total: 12, sent: 12, failed: 0,
                    deferred: 0, pending: 0))
    }

    @Test func a4xxDefersTheRowAndKeepsTheConnection() throws {
        let t = try TempStore()
        let edition = try t.edition(subscribers: 3)
        let relay = ScriptedRelay(["s2@x.fr": [Self.reply(451, "451 4.7.1 greylisted, try later")]])
        let summary = try Self.dispatcher(t, edition: edition, relay: relay, log: CapturedLog()).run()
        #expect(summary.sent == 2)
        #expect(summary.deferred == 1)
        #expect(summary.reconnects == 0)
        #expect(relay.connections == 1)
        let status = try #require(try t.store.editionStatus(edition))
        #expect(status.sent == 2 && status.deferred == 1 && status.failed == 0)
        // Due again after the retry delay, with one attempt counted.
        let due = try t.store.dueDeliveries(editionID: edition, now: Date().addingTimeInterval(3601), limit: 10)
        #expect(due.map(\.email) == ["s2@x.fr"])
        #expect(due.first?.attempts == 1)
    }

    @Test func deferredRowsAreRetriedUntilAcceptedWhenTheRunWaits() throws {
        let t = try TempStore()
        let edition = try t.edition(subscribers: 2)
        let busy = Self.reply(450, "450 4.2.0 mailbox busy")
        let relay = ScriptedRelay(["s1@x.fr": [busy, busy]])
        let summary = try Self.dispatcher(
            t, edition: edition, relay: relay, log: CapturedLog(),
            settings: Self.settings(retry: 0.01), waitForDeferred: true
        ).run()
        #expect(summary.sent == 2)
        #expect(summary.deferred == 2)
        #expect(relay.attempts("s1@x.fr") == 3)
        #expect(try t.store.editionStatus(edition)?.sent == 2)
    }

    @Test func a4xxPastMaxAttemptsFails() throws {
        let t = try TempStore()
        let edition = try t.edition(subscribers: 1)
        let busy = Self.reply(450, "450 4.2.0 mailbox busy")
        let relay = ScriptedRelay(["s1@x.fr": [busy, busy, busy]])
        let summary = try Self.dispatcher(
            t, edition: edition, relay: relay, log: CapturedLog(),
            settings: Self.settings(retry: 0.01), waitForDeferred: true
        ).run()
        #expect(summary.failed == 1)
        #expect(relay.attempts("s1@x.fr") == 3)
        let failures = try t.store.deliveryFailures(editionID: edition)
        #expect(failures.count == 1)
        #expect(failures.first?.attempts == 3)
        #expect(failures.first?.reply?.contains("gave up after 3 attempts") == true)
    }

    @Test func a5xxFailsTheRowWithTheRelaysWords() throws {
        let t = try TempStore()
        let edition = try t.edition(subscribers: 3)
        let relay = ScriptedRelay(["s3@x.fr": [Self.reply(550, "550 5.1.1 <s3@x.fr>: user unknown")]])
        let log = CapturedLog()
        let summary = try Self.dispatcher(t, edition: edition, relay: relay, log: log).run()
        #expect(summary.sent == 2)
        #expect(summary.failed == 1)
        #expect(relay.attempts("s3@x.fr") == 1)
        let failures = try t.store.deliveryFailures(editionID: edition)
        #expect(failures.map(\.email) == ["s3@x.fr"])
        #expect(failures.first?.code == 550)
        #expect(failures.first?.reply == "550 5.1.1 <s3@x.fr>: user unknown")
        // The subscriber is named by id at warning level; the address only at debug.
        let id = try #require(try t.store.subscriber(email: "s3@x.fr")?.id)
        #expect(log.messages(at: .warning) == ["subscriber \(id): failed: 550 5.1.1 <(recipient)>: user unknown"])
        #expect(log.messages(at: .debug).contains("subscriber \(id) is s3@x.fr"))
    }

    /// 421: the row is deferred, the connection dropped and reopened, and the shared pace halved.
    @Test func a421DefersReconnectsAndSlowsDown() throws {
        let t = try TempStore()
        let edition = try t.edition(subscribers: 3)
        let relay = ScriptedRelay(["s1@x.fr": [Self.reply(421, "421 4.7.0 too many messages, slow down")]])
        let log = CapturedLog()
        let summary = try Self.dispatcher(
            t, edition: edition, relay: relay, log: log,
            settings: Self.settings(rate: 200)
        ).run()
        #expect(summary.deferred == 1)
        #expect(summary.sent == 2)
        #expect(summary.reconnects == 1)
        #expect(relay.connections == 2)
        #expect(relay.attempts("s1@x.fr") == 1)
        // The pace in force after the push-back: half the paced rate (200/s paced at 98.5 %).
        let slowed = log.messages(at: .warning).filter { $0.contains("the relay pushed back (421)") }
        #expect(slowed == ["the relay pushed back (421): slowing down to \(200 * 0.985 / 2)/s"])
        #expect(try t.store.editionStatus(edition)?.deferred == 1)
    }

    /// Each 421 halves the pace again, down to the floor of 1/16 of the configured rate.
    @Test func repeated421sHalveThePaceDownToItsFloor() throws {
        let t = try TempStore()
        let edition = try t.edition(subscribers: 6)
        let push = Self.reply(421, "421 4.7.0 slow down")
        var script: [String: [SMTPReply]] = [:]
        for i in 1...6 { script["s\(i)@x.fr"] = [push] }
        let relay = ScriptedRelay(script)
        let log = CapturedLog()
        let summary = try Self.dispatcher(
            t, edition: edition, relay: relay, log: log,
            settings: Self.settings(rate: 1000)
        ).run()
        #expect(summary.deferred == 6)
        #expect(summary.sent == 0)
        #expect(relay.connections == 6)  // each 421 drops the connection; the next message opens a new one
        let paced = 1000 * 0.985
        let rates = log.messages(at: .warning).compactMap { line -> String? in
            guard line.hasPrefix("the relay pushed back (421): slowing down to ") else { return nil }
            return String(line.dropFirst("the relay pushed back (421): slowing down to ".count))
        }
        // Halving is exact in binary floating point, and the floor is 1/16 of the paced rate.
        let expected = [2.0, 4, 8, 16, 16, 16].map { "\(paced / $0)/s" }
        #expect(rates == expected)
    }

    /// A transient relay fault is not the recipient's: the row goes back as it was taken and is sent on a new
    /// connection.
    @Test func aRelayFaultGivesTheRowBackAndReconnects() throws {
        let t = try TempStore()
        let edition = try t.edition(subscribers: 2)
        let refused = SMTPReply(code: 0, text: "Connection refused", failure: .connection, stage: .connect)
        let relay = ScriptedRelay(["s1@x.fr": [refused]])
        let log = CapturedLog()
        var settings = Self.settings()
        settings.maxRelayFaults = 4
        let summary = try Self.dispatcher(t, edition: edition, relay: relay, log: log, settings: settings).run()
        #expect(summary.sent == 2)
        #expect(summary.failed == 0 && summary.deferred == 0)
        #expect(summary.reconnects == 1)
        #expect(relay.attempts("s1@x.fr") == 2)
        #expect(relay.connections == 2)
        #expect(log.messages(at: .warning).contains { $0.contains("fault 1 of 4 in a row") })
        #expect(try t.store.editionStatus(edition)?.sent == 2)
    }

    /// A fault that will not clear stops the run; every row stays as it was (no attempt counted, nothing failed).
    @Test func aLastingRelayFaultStopsTheRunAndTouchesNoRow() throws {
        let t = try TempStore()
        let edition = try t.edition(subscribers: 3)
        let denied = SMTPReply(
            code: 535, text: "535 5.7.8 authentication failed", failure: .authentication,
            stage: .auth)
        let relay = ScriptedRelay(["s1@x.fr": [denied]])
        let dispatcher = Self.dispatcher(t, edition: edition, relay: relay, log: CapturedLog())
        #expect(throws: RelayError.self) { try dispatcher.run() }
        #expect(relay.log.count == 1)
        let due = try t.store.dueDeliveries(editionID: edition, limit: 10)
        #expect(due.count == 3)
        #expect(due.allSatisfy { $0.state == .pending && $0.attempts == 0 })
    }

    /// A connection that keeps meeting transient faults retires after `maxRelayFaults`; with every connection
    /// retired the run throws, and the rows are untouched.
    @Test func transientFaultsInARowRetireTheConnection() throws {
        let t = try TempStore()
        let edition = try t.edition(subscribers: 2)
        let refused = SMTPReply(code: 0, text: "Connection refused", failure: .connection, stage: .connect)
        let relay = ScriptedRelay([
            "s1@x.fr": Array(repeating: refused, count: 10),
            "s2@x.fr": Array(repeating: refused, count: 10),
        ])
        var settings = Self.settings()
        settings.maxRelayFaults = 3
        let dispatcher = Self.dispatcher(t, edition: edition, relay: relay, log: CapturedLog(), settings: settings)
        #expect(throws: RelayError.self) { try dispatcher.run() }
        // The fault count is the connection's, whichever row met it: s1, s2, s1, then it retires.
        #expect(relay.log.map(\.recipient) == ["s1@x.fr", "s2@x.fr", "s1@x.fr"])
        let due = try t.store.dueDeliveries(editionID: edition, limit: 10)
        #expect(due.count == 2)
        #expect(due.allSatisfy { $0.attempts == 0 })
    }

    /// A stop request ends the run after the message in flight; what was not taken stays pending.
    @Test func aStopEndsTheRunAndLeavesTheRestPending() throws {
        let t = try TempStore()
        let edition = try t.edition(subscribers: 5)
        let stop = StopSignal()
        stop.stop()
        let relay = ScriptedRelay()
        let summary = try Self.dispatcher(t, edition: edition, relay: relay, log: CapturedLog(), stop: stop).run()
        #expect(summary.sent == 0)
        #expect(relay.log.isEmpty)
        #expect(try t.store.editionStatus(edition)?.pending == 5)
    }
}
