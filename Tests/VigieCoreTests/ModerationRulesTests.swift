import Foundation
import Testing
import VigieCore

@Suite struct ModerationRulesTests {
    static let codes: Set<String> = ["injure-raciale"]

    @Test(
        arguments: [
            (ModerationStatus.new, ModerationStatus.qualified, "injure-raciale", nil, true),
            (.new, .qualified, "inconnu", nil, false),
            (.new, .notified, nil, nil, false),
            (.new, .rejected, nil, "pas illicite", true),
            (.new, .rejected, nil, " ", false),
            (.qualified, .notified, nil, nil, true),
            (.notified, .online, nil, nil, true),
            (.online, .notified, nil, nil, true),
            (.online, .removed, nil, nil, true),
            (.removed, .online, nil, nil, false),
            (.rejected, .qualified, "injure-raciale", nil, true),
            (.rejected, .notified, nil, nil, false),
        ] as [(ModerationStatus, ModerationStatus, String?, String?, Bool)])
    func transitions(from: ModerationStatus, to: ModerationStatus, offence: String?, reason: String?, allowed: Bool) {
        let change = ModerationChange(to: to, offence: offence, reason: reason, author: "alice")
        let refusal = ModerationRules.refusal(from: from, change: change, knownOffences: Self.codes)
        #expect((refusal == nil) == allowed, "\(refusal ?? "allowed")")
    }

    /// The offences file as the rules see it: one offence, one aggravating circumstance.
    static let rules = ModerationRules(offences: [
        Offence(code: "injure-raciale", label: "Injure raciale", reference: "art. 33 loi 1881"),
        Offence(code: "en-ligne", label: "Commis en ligne", reference: "art. 132-79 CP", modifier: true),
    ])

    @Test func anAggravatingCircumstanceIsNoQualification() throws {
        let change = ModerationChange(to: .qualified, offence: "en-ligne", author: "alice")
        let refusal = try #require(Self.rules.refusal(from: .new, change: change))
        #expect(refusal.contains("aggravating circumstance"))
        // Judged before the move itself: the same line from any status.
        #expect(Self.rules.refusal(from: .removed, change: change) == refusal)
        #expect(Self.rules.qualifyingCodes == ["injure-raciale"])
        #expect(throws: ModerationError.self) { try Self.rules.check(clusterID: 7, from: .new, change: change) }
        let allowed = ModerationChange(to: .qualified, offence: "injure-raciale", author: "alice")
        #expect(throws: Never.self) { try Self.rules.check(clusterID: 7, from: .new, change: allowed) }
    }

    @Test(
        arguments: [
            (ModerationStatus.new, "injure-raciale", false),
            (.qualified, "injure-raciale", true),
            (.notified, "injure-raciale", true),
            (.online, "injure-raciale", true),
            (.removed, "injure-raciale", false),
            (.rejected, "injure-raciale", false),
            (.qualified, nil, false),
            (.qualified, "inconnu", false),
        ] as [(ModerationStatus, String?, Bool)])
    func aNoticeNeedsAQualifiedCluster(status: ModerationStatus, code: String?, allowed: Bool) {
        let offence = try? Self.rules.noticeOffence(clusterID: 3, status: status, code: code)
        #expect((offence != nil) == allowed)
        if allowed { #expect(offence?.code == code) }
    }

    @Test func priorityRewardsDistinctAndRecentReporters() {
        let w = PriorityWeights()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let many = w.score(
            reporters: 10, recentReporters: 0, lastReported: now.addingTimeInterval(-30 * 86_400), now: now)
        let few = w.score(
            reporters: 3, recentReporters: 0, lastReported: now.addingTimeInterval(-30 * 86_400), now: now)
        let burst = w.score(reporters: 5, recentReporters: 5, lastReported: now, now: now)
        #expect(many > few)
        #expect(burst > many)
        // The recency bonus halves every half-life.
        let a = w.score(reporters: 0, recentReporters: 0, lastReported: now, now: now)
        let b = w.score(reporters: 0, recentReporters: 0, lastReported: now.addingTimeInterval(-86_400), now: now)
        #expect(abs(a - 2 * b) < 1e-9)
    }
}
