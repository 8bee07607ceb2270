import Foundation
import Testing
import VigieApp
import VigieCore
import VigieStore

/// What the rechecks add to the digest: the contents still online 7 days after the notice, and Monday's weekly
/// record of the platforms.
@Suite(.serialized) struct DigestRecheckTests {
    @Test func stillOnlineAfterSevenDaysIsListed() throws {
        let f = try DigestFixture()
        try f.seedDay()
        let stale = try f.clusterID(DigestFixture.stale)  // notified 9 days before t0
        var p = try f.context().digestService().preview(now: DigestFixture.now)
        #expect(!p.text.contains("TOUJOURS EN LIGNE"), "listed without a check")

        // The latest check found it online: listed. A removed check afterwards takes it off the list.
        let online = LinkCheck(
            url: DigestFixture.stale, checkedAt: DigestFixture.t0.addingTimeInterval(3600), httpStatus: 200,
            finalURL: DigestFixture.stale, verdict: .online, detail: "HTTP 200", method: .oembed)
        try f.store.recordLinkChecks(clusterID: stale, [online])
        p = try f.context().digestService().preview(now: DigestFixture.now)
        #expect(p.text.contains("TOUJOURS EN LIGNE 7 JOURS APRÈS LA NOTIFICATION (1)"), "\(p.text)")
        #expect(
            p.text.contains(
                "n° \(stale) · X (anciennement Twitter) · notifié le 22 novembre 2026 (il y a 10 jours) · "
                    + "en ligne au contrôle du 1 décembre à 09:00"), "\(p.text)")
        #expect(p.html.contains("Toujours en ligne 7 jours après la notification (1)"))
        var removed = online
        removed.checkedAt = DigestFixture.t0.addingTimeInterval(7200)
        removed.verdict = .removed
        try f.store.recordLinkChecks(clusterID: stale, [removed])
        p = try f.context().digestService().preview(now: DigestFixture.now)
        #expect(!p.text.contains("TOUJOURS EN LIGNE"))
        // Monday's block is not in Wednesday's digest.
        #expect(!p.text.contains("BILAN DE LA SEMAINE"))
    }

    @Test func mondaysDigestHasTheWeeklyRecord() throws {
        let f = try DigestFixture()
        try f.seedDay()
        // Monday 7 December 2026, 08:00 in Paris.
        let monday = DigestFixture.t0.addingTimeInterval(6 * 86_400)
        let p = try f.context().digestService().preview(now: monday)
        #expect(p.text.contains("BILAN DE LA SEMAINE · PLATEFORMES (notifications des 28 derniers jours)"), "\(p.text)")
        // The stale tweet (notified 9 days before t0, no answer) and the video removed an hour after its notice.
        #expect(
            p.text.contains(
                "  - X (anciennement Twitter) : notifiés 1, retirés 0 (0\u{a0}%), délai médian —, en ligne à 7 j : "
                    + "1 / 1, sans suite : 1"), "\(p.text)")
        #expect(
            p.text.contains(
                "  - YouTube : notifiés 1, retirés 1 (100\u{a0}%), délai médian 0,0\u{a0}j, en ligne à 7 j : —, "
                    + "sans suite : 0"), "\(p.text)")
        #expect(p.html.contains("Bilan de la semaine &middot; plateformes"))
        DigestFixture.expectNoIdentity(p.text, "the weekly block")
    }
}
