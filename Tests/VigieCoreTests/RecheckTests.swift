import Foundation
import Testing
import VigieCore

/// The rechecks' pure rules: the schedule (a manual clock: plain dates), the verdicts, the removal confirmation, the
/// politeness limit and the platforms' record.
@Suite struct RecheckTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let hour = 3600.0
    static let day = 86_400.0

    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    /// (last check after the anchor in seconds, or nil; next due after the anchor).
    @Test(
        arguments: [
            (nil, 1 * hour),
            (0.5 * hour, 1 * hour),  // a check by hand before the first slot: the slot stays
            (1 * hour, 6 * hour),
            (2 * hour, 6 * hour),
            (6 * hour, 24 * hour),
            (24 * hour, 3 * day),
            (3 * day, 7 * day),
            (7 * day, 14 * day),
            (8 * day, 14 * day),
            (14 * day, 21 * day),
            (100 * day, 105 * day),  // 7 + 14 × 7 = 105: weekly from the notice's seventh day
            (-2 * day, 1 * hour),  // checked while qualified, then notified: counted again from the notice
        ] as [(Double?, Double)])
    func nextDue(lastChecked: Double?, expected: Double) {
        let due = RecheckSchedule.standard.nextDue(anchor: Self.t0, lastChecked: lastChecked.map(Self.at))
        #expect(due == Self.at(expected))
    }

    /// A manual clock walked hour by hour over five weeks: the checks happen exactly at the slots, and a process
    /// down for days catches up with one check, not one per missed slot.
    @Test func walkingTheClock() {
        let s = RecheckSchedule.standard
        var last: Date?
        var done: [Double] = []
        var now = Self.t0
        while now <= Self.at(35 * Self.day) {
            if s.isDue(anchor: Self.t0, lastChecked: last, now: now) {
                last = now
                done.append(now.timeIntervalSince(Self.t0) / Self.hour)
            }
            now = now.addingTimeInterval(Self.hour)
        }
        #expect(done == [1, 6, 24, 72, 168, 336, 504, 672, 840])

        // Down from hour 2 to day 5: one check at the restart, then the schedule resumes (7 days).
        #expect(s.isDue(anchor: Self.t0, lastChecked: Self.at(Self.hour), now: Self.at(5 * Self.day)))
        #expect(s.nextDue(anchor: Self.t0, lastChecked: Self.at(5 * Self.day)) == Self.at(7 * Self.day))
    }

    static func check(_ url: String, _ seconds: Double, _ v: LinkVerdict) -> LinkCheck {
        LinkCheck(
            url: url, checkedAt: at(seconds), httpStatus: v == .removed ? 404 : 200, finalURL: nil, verdict: v,
            detail: "", method: .http)
    }

    /// (checks of URLs a and b, confirmed).
    @Test(
        arguments: [
            ([check("a", 0, .removed), check("b", 0, .removed)], false),  // one check each
            (
                [
                    check("a", 0, .removed), check("a", 3599, .removed), check("b", 0, .removed),
                    check("b", 3600, .removed),
                ],
                false
            ),  // a: 59 min 59 s apart
            (
                [
                    check("a", 0, .removed), check("a", 3600, .removed), check("b", 0, .removed),
                    check("b", 7200, .removed),
                ],
                true
            ),
            ([check("a", 0, .removed), check("a", 3600, .removed)], false),  // b never checked
            (
                [
                    check("a", 0, .removed), check("a", 3600, .removed), check("b", 0, .removed),
                    check("b", 1800, .online),
                    check("b", 7200, .removed),
                ], false
            ),  // b came back online in between
            (
                [
                    check("a", 0, .removed), check("a", 1800, .unknown), check("a", 3600, .removed),
                    check("b", 0, .removed),
                    check("b", 4000, .removed),
                ], true
            ),  // an unknown in between changes nothing
            (
                [
                    check("a", 0, .unknown), check("a", 9000, .unknown), check("b", 0, .unknown),
                    check("b", 9000, .unknown),
                ],
                false
            ),  // only unknowns
            (
                [
                    check("a", 0, .removed), check("a", 3600, .removed), check("a", 7200, .online),
                    check("b", 0, .removed),
                    check("b", 3600, .removed),
                ], false
            ),  // a online at the latest check
        ] as [([LinkCheck], Bool)])
    func removalConfirmation(checks: [LinkCheck], confirmed: Bool) {
        #expect(RemovalConfirmation().isConfirmed(urls: ["a", "b"], checks: checks.shuffled()) == confirmed)
    }

    @Test func noURLConfirmsNothing() {
        #expect(!RemovalConfirmation().isConfirmed(urls: [], checks: [Self.check("a", 0, .removed)]))
    }

    /// (status, failure, final URL, verdict).
    @Test(
        arguments: [
            (200, nil, nil, LinkVerdict.online),
            (204, nil, nil, .online),
            (404, nil, nil, .removed),
            (410, nil, nil, .removed),
            (451, nil, nil, .removed),
            (429, nil, nil, .unknown),
            (500, nil, nil, .unknown),
            (503, nil, nil, .unknown),
            (401, nil, nil, .unknown),
            (403, nil, nil, .unknown),
            (0, LinkProbe.Failure.timeout, nil, .unknown),
            (0, .unreachable("refused"), nil, .unknown),
            (404, .timeout, nil, .unknown),  // a failure wins over a partial answer
            (200, nil, "https://www.instagram.com/accounts/login/?next=/p/x", .unknown),  // login wall
            (200, nil, "https://www.instagram.com/p/abc/", .online),
            (200, nil, "https://gone.example.org/removed", .removed),  // the platform's removal page
        ] as [(Int, LinkProbe.Failure?, String?, LinkVerdict)])
    func verdicts(status: Int, failure: LinkProbe.Failure?, final: String?, expected: LinkVerdict) {
        var rule = PlatformCheckRule.builtIn(for: .instagram)
        rule.removedFinalHosts = ["gone.example.org"]
        let probe = LinkProbe(status: status, finalURL: final, failure: failure)
        #expect(rule.verdict(probe, method: .http).verdict == expected)
    }

    @Test func oembedRequestsCarryTheURLEncoded() {
        let rule = PlatformCheckRule.builtIn(for: .youtube)
        let (url, method) = rule.requestURL(for: "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1")
        #expect(method == .oembed)
        #expect(
            url == "https://www.youtube.com/oembed?format=json&url="
                + "https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3DdQw4w9WgXcQ%26t%3D1")
        #expect(PlatformCheckRule.builtIn(for: .web).requestURL(for: "http://a.fr/x").method == .http)
        for p in [Platform.youtube, .tiktok, .x, .dailymotion] {
            #expect(PlatformCheckRule.builtIn(for: p).method == .oembed, "\(p)")
        }
    }

    @Test func pacerSpacesRequestsPerHost() {
        var pacer = HostPacer(interval: 2)
        #expect(pacer.reserve(host: "a.fr", now: Self.t0) == Self.t0)
        #expect(pacer.reserve(host: "A.fr", now: Self.t0) == Self.at(2))  // hosts compare without case
        #expect(pacer.reserve(host: "b.fr", now: Self.t0) == Self.t0)  // another host is not held back
        #expect(pacer.reserve(host: "a.fr", now: Self.at(1)) == Self.at(4))
        #expect(pacer.reserve(host: "a.fr", now: Self.at(10)) == Self.at(10))  // idle long enough: at once
        #expect(HostPacer.host(of: "https://WWW.Example.org:8443/x?y") == "www.example.org")
    }

    /// A generated history with known answers.
    @Test func platformRecordKnownAnswers() {
        func r(
            _ id: Int64, _ p: Platform, _ o: String?, _ notifiedDay: Double, removedAfterDays: Double?,
            _ status: ModerationStatus = .notified
        ) -> NoticeRecord {
            let n = Self.at(notifiedDay * Self.day)
            return NoticeRecord(
                clusterID: id, platform: p, offence: o, status: removedAfterDays == nil ? status : .removed,
                notifiedAt: n, removedAt: removedAfterDays.map { n.addingTimeInterval($0 * Self.day) })
        }
        let asOf = Self.at(40 * Self.day)
        let records = [
            // X: 5 notices, removed after 1, 2, 10 days; one still notified (no answer), one marked online.
            r(1, .x, "injure", 0, removedAfterDays: 1), r(2, .x, "injure", 0, removedAfterDays: 2),
            r(3, .x, "provocation", 0, removedAfterDays: 10), r(4, .x, "provocation", 0, removedAfterDays: nil),
            r(5, .x, "provocation", 35, removedAfterDays: nil, .online),
            // YouTube: 1 notice removed after 0.5 day.
            r(6, .youtube, "injure", 20, removedAfterDays: 0.5),
        ]
        let record = PlatformRecord(records, asOf: asOf)
        #expect(record.totals.map(\.platform) == [.x, .youtube])
        let x = record.lines[0]
        #expect(x.offence == nil && x.notices == 5 && x.removed == 3)
        #expect(abs(x.removalRate - 0.6) < 1e-9)
        #expect(x.medianSeconds == 2 * Self.day)  // nearest rank of [1, 2, 10]
        #expect(x.p90Seconds == 10 * Self.day)
        // Eligible at 7 days: notified on day 0 (4 of them); still online at 7 days: #3 (removed day 10) and #4.
        #expect(x.eligible7 == 4 && x.stillOnline7 == 2)
        #expect(x.eligible30 == 4 && x.stillOnline30 == 1)
        #expect(x.noAnswer == 1)
        // X's offences, most notified first.
        #expect(record.lines[1].offence == "provocation" && record.lines[1].notices == 3)
        #expect(record.lines[2].offence == "injure" && record.lines[2].removed == 2)
        let yt = record.lines[3]
        #expect(yt.offence == nil && yt.notices == 1 && yt.removalRate == 1 && yt.medianSeconds == 0.5 * Self.day)
        #expect(yt.eligible7 == 1 && yt.stillOnline7 == 0 && yt.eligible30 == 0)  // notified 20 days before
        #expect(PlatformRecord.percentile([], 0.5) == nil)
        #expect(PlatformRecord.percentile([1, 2, 3, 4], 0.5) == 2)
        #expect(PlatformRecord.percentile(Array(1...10).map(Double.init), 0.9) == 9)
    }
}
