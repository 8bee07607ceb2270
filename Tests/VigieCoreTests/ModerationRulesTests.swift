import Foundation
import Testing
import VigieCore

@Suite struct ModerationRulesTests {
    static let codes: Set<String> = ["injure-raciale"]

    @Test(arguments: [
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

    @Test func priorityRewardsDistinctAndRecentReporters() {
        let w = PriorityWeights()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let many = w.score(reporters: 10, recentReporters: 0, lastReported: now.addingTimeInterval(-30 * 86_400), now: now)
        let few = w.score(reporters: 3, recentReporters: 0, lastReported: now.addingTimeInterval(-30 * 86_400), now: now)
        let burst = w.score(reporters: 5, recentReporters: 5, lastReported: now, now: now)
        #expect(many > few)
        #expect(burst > many)
        // The recency bonus halves every half-life.
        let a = w.score(reporters: 0, recentReporters: 0, lastReported: now, now: now)
        let b = w.score(reporters: 0, recentReporters: 0, lastReported: now.addingTimeInterval(-86_400), now: now)
        #expect(abs(a - 2 * b) < 1e-9)
    }
}
