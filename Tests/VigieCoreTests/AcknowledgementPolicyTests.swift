import Foundation
import Testing
import VigieCore

@Suite("Acknowledgements: who may be answered (RFC 3834)")
struct AcknowledgementPolicyTests {
    static let policy = AcknowledgementPolicy(
        ownAddresses: ["signalements@example.org", "Lettre@Example.net"], ownDomains: ["example.org"])

    static func message(
        from: String?, replyTo: [String] = [], headers: [(String, String)] = [],
        contentType: String = "text/plain"
    ) -> ParsedMessage {
        var m = ParsedMessage()
        m.from = from.map { MailAddress(address: $0) }
        m.replyTo = replyTo.map { MailAddress(address: $0) }
        m.headers = headers.map { HeaderField(name: $0.0, value: $0.1) }
        m.contentType = contentType
        return m
    }

    static let cases: [(ParsedMessage, AcknowledgementPolicy.Decision)] = [
        (message(from: "camille@exemple.fr"), .send(to: "camille@exemple.fr")),
        (message(from: "camille@exemple.fr", replyTo: ["c.martin@autre.fr"]), .send(to: "c.martin@autre.fr")),
        (message(from: "Camille+signal@exemple.fr"), .send(to: "Camille+signal@exemple.fr")),
        (
            message(from: "camille@exemple.fr", headers: [("Auto-Submitted", "auto-replied")]),
            .skip(.automatic("Auto-Submitted: auto-replied"))
        ),
        (
            message(from: "camille@exemple.fr", headers: [("Precedence", "bulk")]),
            .skip(.automatic("Precedence: bulk"))
        ),
        (
            message(from: "liste@lists.fr", headers: [("List-Id", "<x.lists.fr>")]),
            .skip(.automatic("List-Id present"))
        ),
        (message(from: "camille@exemple.fr", headers: [("Return-Path", "<>")]), .skip(.automatic("null sender"))),
        (message(from: "MAILER-DAEMON@mx.fr"), .skip(.automatic("sender is MAILER-DAEMON"))),
        (message(from: "no-reply@plateforme.com"), .skip(.robotAddress("no-reply"))),
        (message(from: "NoReply@plateforme.com"), .skip(.robotAddress("noreply"))),
        (message(from: "noreply-alerts@plateforme.com"), .skip(.robotAddress("noreply-alerts"))),
        (message(from: "ne-pas-repondre@service.fr"), .skip(.robotAddress("ne-pas-repondre"))),
        (message(from: "bounce+abc@mx.fr"), .skip(.robotAddress("bounce"))),
        (message(from: "debats-request@lists.fr"), .skip(.listAddress)),
        (message(from: "owner-debats@lists.fr"), .skip(.listAddress)),
        (message(from: "signalements@example.org"), .skip(.ownAddress)),
        (message(from: "lettre@example.net"), .skip(.ownAddress)),
        (message(from: "quelquun@mail.example.org"), .skip(.ownAddress)),
        // A robot that sets a human Reply-To is still a robot; a human whose Reply-To is ours is a loop.
        (message(from: "no-reply@plateforme.com", replyTo: ["camille@exemple.fr"]), .skip(.robotAddress("no-reply"))),
        (message(from: "camille@exemple.fr", replyTo: ["signalements@example.org"]), .skip(.ownAddress)),
        (message(from: nil), .skip(.noAddress)),
        (message(from: "pas-une-adresse"), .skip(.noAddress)),
        (message(from: "a@b"), .skip(.noAddress)),
        (message(from: "x y@exemple.fr"), .skip(.noAddress)),
        (
            message(from: "camille@exemple.fr", contentType: "multipart/report"),
            .skip(.automatic("delivery status notification"))
        ),
    ]

    @Test(arguments: cases)
    func decision(_ message: ParsedMessage, _ expected: AcknowledgementPolicy.Decision) {
        #expect(Self.policy.decide(message) == expected)
    }
}

@Suite("Report references")
struct ReportReferenceTests {
    @Test func formatsAndParses() {
        let paris = TimeZone(identifier: "Europe/Paris")!
        // 31 Dec 2026 23:30 UTC is already 2027 in Paris.
        let date = Date(timeIntervalSince1970: 1_798_759_800)
        let ref = ReportReference(id: 123, receivedAt: date, timeZone: paris)
        #expect(ref.description == "SIG-2027-000123")
        #expect(ReportReference(id: 1_234_567, receivedAt: date, timeZone: paris).description == "SIG-2027-1234567")
        #expect(ReportReference("sig-2027-000123") == ref)
        #expect(ReportReference("SIG-27-000123") == nil)
        #expect(ReportReference("SIG-2027-0") == nil)
        #expect(ReportReference("REF-2027-000123") == nil)
    }
}

@Suite("Daily schedule: periods, catch-up, DST")
struct DailyScheduleTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!

    static func utc(_ text: String) -> Date {
        let f = ISO8601DateFormatter()
        return f.date(from: text)!
    }

    @Test func parses() {
        #expect(DailySchedule("08:00", timeZone: Self.paris) == DailySchedule(hour: 8, minute: 0, timeZone: Self.paris))
        for bad in ["8:00", "24:00", "07:60", "0800", "", "aa:bb", "07:00:00"] {
            #expect(DailySchedule(bad, timeZone: Self.paris) == nil)
        }
    }

    @Test func latestAndNext() {
        let s = DailySchedule("08:00", timeZone: Self.paris)!
        // 2 Dec 2026, 06:59 UTC = 07:59 Paris: the latest instant is yesterday's.
        let before = Self.utc("2026-12-02T06:59:00Z")
        #expect(s.latest(atOrBefore: before).period == "2026-12-01")
        #expect(s.next(after: before) == Self.utc("2026-12-02T07:00:00Z"))
        let at = Self.utc("2026-12-02T07:00:00Z")
        #expect(s.latest(atOrBefore: at) == ("2026-12-02", at))
        #expect(s.next(after: at) == Self.utc("2026-12-03T07:00:00Z"))
    }

    @Test func dueOncePerPeriodAndCatchUpOnce() {
        let s = DailySchedule("08:00", timeZone: Self.paris)!
        let now = Self.utc("2026-12-02T09:30:00Z")
        #expect(s.due(at: now, lastServed: nil)?.period == "2026-12-02")
        #expect(s.due(at: now, lastServed: "2026-12-02") == nil)
        // Stopped for three days: one catch-up, for the latest period only.
        #expect(s.due(at: now, lastServed: "2026-11-28")?.period == "2026-12-02")
        #expect(s.due(at: Self.utc("2026-12-02T06:00:00Z"), lastServed: "2026-12-01") == nil)
    }

    @Test func daylightSavingTime() {
        // 29 Mar 2026: Paris skips 02:00–03:00; 25 Oct 2026: 02:00–03:00 happens twice.
        let gap = DailySchedule("02:30", timeZone: Self.paris)!
        let spring = gap.instant(onDayOf: Self.utc("2026-03-29T12:00:00Z"))
        #expect(spring == Self.utc("2026-03-29T01:00:00Z"))  // 03:00 CEST, the first instant after the gap
        let autumn = gap.instant(onDayOf: Self.utc("2026-10-25T12:00:00Z"))
        #expect(autumn == Self.utc("2026-10-25T00:30:00Z"))  // the first 02:30 (CEST)
        // Summer and winter: 08:00 local is 06:00 and 07:00 UTC.
        let eight = DailySchedule("08:00", timeZone: Self.paris)!
        #expect(eight.instant(onDayOf: Self.utc("2026-07-01T12:00:00Z")) == Self.utc("2026-07-01T06:00:00Z"))
        #expect(eight.instant(onDayOf: Self.utc("2026-01-15T12:00:00Z")) == Self.utc("2026-01-15T07:00:00Z"))
    }
}
