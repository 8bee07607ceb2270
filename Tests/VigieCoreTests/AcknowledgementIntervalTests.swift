import Foundation
import Testing
import VigieCore

/// At most one acknowledgement per address per `min_interval_hours`, decided on plain dates (a manual clock).
@Suite struct AcknowledgementIntervalTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!
    /// 2026-12-02 08:00 UTC.
    static let t0 = Date(timeIntervalSince1970: 1_796_198_400)

    static func prior(acknowledgedHoursAgo hours: Double, now: Date = t0) -> AcknowledgementInterval.Prior {
        AcknowledgementInterval.Prior(
            reportID: 42, receivedAt: now.addingTimeInterval(-hours * 3600),
            acknowledgedAt: now.addingTimeInterval(-hours * 3600))
    }

    @Test(arguments: [
        (hours: 24, priorHoursAgo: nil as Double?, send: true),  // never acknowledged
        (hours: 24, priorHoursAgo: 0.0, send: false),  // a second report in the same batch
        (hours: 24, priorHoursAgo: 23.99, send: false),
        (hours: 24, priorHoursAgo: 24.0, send: true),  // the interval is over exactly at its end
        (hours: 24, priorHoursAgo: 30.0, send: true),
        (hours: 1, priorHoursAgo: 0.5, send: false),
        (hours: 0, priorHoursAgo: 0.0, send: true),  // 0 = no limit
    ])
    func verdicts(hours: Int, priorHoursAgo: Double?, send: Bool) {
        let rule = AcknowledgementInterval(hours: hours, timeZone: Self.paris)
        let verdict = rule.verdict(prior: priorHoursAgo.map { Self.prior(acknowledgedHoursAgo: $0) }, now: Self.t0)
        #expect((verdict == .send) == send)
    }

    @Test func theGroupedReasonNamesTheEarlierReferenceAndWhen() {
        let rule = AcknowledgementInterval(hours: 24, timeZone: Self.paris)
        let prior = AcknowledgementInterval.Prior(
            reportID: 123, receivedAt: Self.t0.addingTimeInterval(-3600),
            acknowledgedAt: Self.t0.addingTimeInterval(-3600))
        #expect(
            rule.verdict(prior: prior, now: Self.t0)
                == .grouped(reason: "grouped: acknowledged SIG-2026-000123 at 2026-12-02 08:00 +01:00"))
    }

    @Test func aManualClockWalksThroughTheInterval() {
        let rule = AcknowledgementInterval(hours: 2, timeZone: Self.paris)
        var now = Self.t0
        var last: AcknowledgementInterval.Prior?
        var sent: [Int] = []
        // One report every 30 minutes for 5 hours: answered at 0 h, 2 h, 4 h only.
        for step in 0...10 {
            if rule.verdict(prior: last, now: now) == .send {
                sent.append(step)
                last = AcknowledgementInterval.Prior(reportID: Int64(step + 1), receivedAt: now, acknowledgedAt: now)
            }
            now = now.addingTimeInterval(1800)
        }
        #expect(sent == [0, 4, 8])
    }
}
