import Foundation
import Logging
import Testing
import VigieApp
import VigieCore
import VigieStore

/// Moderators' merges and splits: applied at once, kept by every later intake and rebuild, refused with nothing
/// changed when they would lose a record.
@Suite struct ClusterCorrectionTests {
    let store: Store
    let service: ClusterService

    init() throws {
        store = try Store(path: NSTemporaryDirectory() + "vigie-corrections-\(UUID().uuidString)/vigie.sqlite")
        service = ClusterService(
            store: store, settings: ClusterSettings(resolveShortLinks: false), logger: Logger(label: "t"))
    }

    func cluster(_ key: String) throws -> ClusterSummary? {
        try store.clusters().first { $0.key == key }
    }

    func counts() throws -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for c in try store.clusters() { out[c.key] = [c.reports, c.reporters] }
        return out
    }

    /// Two pages the rules keep apart (different `id`), one content: merged, the counts add up with reporters counted
    /// once, the absorbed one leaves the queue, later reports of it and a rebuild follow the merge.
    @Test func aMergeHoldsAtIntakeAndThroughARebuild() throws {
        try service.link(
            reportIDs: try storeReports(
                store,
                [
                    ("a@x.fr", "https://example.org/article?id=5"), ("b@x.fr", "https://example.org/article?id=5"),
                    ("a@x.fr", "https://example.org/article?id=5&copy=1"),
                    ("c@x.fr", "https://example.org/article?id=5&copy=1"),
                    ("d@x.fr", "https://example.org/other"),
                ]))
        let into = try #require(try cluster("web:example.org/article?id=5"))
        let from = try #require(try cluster("web:example.org/article?copy=1&id=5"))
        try service.merge(from.id, into: into.id, author: "alice", note: "même article")
        let merged = try #require(try cluster("web:example.org/article?id=5"))
        #expect(merged.reports == 4)
        #expect(merged.reporters == 3)
        #expect(try cluster("web:example.org/article?copy=1&id=5") == nil, "the absorbed cluster left the queue")
        #expect(try service.lineage(clusterID: from.id) == ClusterLineage(mergedInto: into.id))
        #expect(try service.lineage(clusterID: into.id) == ClusterLineage(absorbed: [from.id]))
        let trail = try store.consoleAudit(clusterID: into.id)
        #expect(trail.map(\.author) == ["alice"])
        #expect(trail.first?.action.contains("n° \(from.id)") == true)
        #expect(trail.first?.detail == "même article")
        #expect(try store.consoleAudit(clusterID: from.id).first?.action.contains("n° \(into.id)") == true)

        // A later report of the absorbed URL joins the merged cluster.
        try service.link(
            reportIDs: try storeReports(store, [("e@x.fr", "https://example.org/article?copy=1&id=5")], firstUID: 100))
        #expect(try cluster("web:example.org/article?id=5")?.reports == 5)
        #expect(try cluster("web:example.org/article?id=5")?.reporters == 4)
        let before = try counts()
        try service.rebuild()
        #expect(try counts() == before)
        #expect(try service.lineage(clusterID: from.id).mergedInto == into.id, "the absorbed row outlives a rebuild")
    }

    @Test func mergesAreRefusedWhenTheyWouldLoseARecord() throws {
        try service.link(
            reportIDs: try storeReports(
                store,
                [
                    ("a@x.fr", "https://example.org/p?id=1"), ("b@x.fr", "https://example.org/p?id=2"),
                    ("c@x.fr", "https://example.org/p?id=3"),
                ]))
        let one = try #require(try cluster("web:example.org/p?id=1")).id
        let two = try #require(try cluster("web:example.org/p?id=2")).id
        let three = try #require(try cluster("web:example.org/p?id=3")).id
        let before = try counts()
        #expect(throws: ClusterCorrectionError.sameCluster(one)) { try service.merge(one, into: one, author: "a") }
        #expect(throws: ClusterCorrectionError.unknownCluster(999)) { try service.merge(999, into: one, author: "a") }
        try store.moderate(
            clusterID: two, change: ModerationChange(to: .qualified, offence: "x", author: "a"),
            rules: ModerationRules(offences: [Offence(code: "x", label: "X", reference: "art. X")]))
        #expect(throws: ClusterCorrectionError.qualifiedIntoNew(from: two, into: one)) {
            try service.merge(two, into: one, author: "a")
        }
        try store.moderate(
            clusterID: two, change: ModerationChange(to: .notified, author: "a"),
            rules: ModerationRules(offences: [Offence(code: "x", label: "X", reference: "art. X")]))
        #expect(throws: ClusterCorrectionError.sourceDecided(from: two, into: one, status: .notified, notified: false))
        {
            try service.merge(two, into: one, author: "a")
        }
        #expect(try counts() == before, "a refusal changes nothing")
        // The other way round is allowed: the decided cluster absorbs; then the absorbed one is closed to work.
        try service.merge(one, into: two, author: "a")
        #expect(throws: ClusterCorrectionError.alreadyMerged(cluster: one, into: two)) {
            try service.merge(one, into: three, author: "a")
        }
        #expect(throws: ClusterCorrectionError.alreadyMerged(cluster: one, into: two)) {
            try service.merge(three, into: one, author: "a")
        }
        // A chain stays one hop: two absorbed into three takes one along.
        try store.moderate(
            clusterID: three, change: ModerationChange(to: .qualified, offence: "x", author: "a"),
            rules: ModerationRules(offences: [Offence(code: "x", label: "X", reference: "art. X")]))
        #expect(throws: ClusterCorrectionError.self) { try service.merge(two, into: three, author: "a") }
        try service.merge(three, into: two, author: "a")
        try service.rebuild()
        #expect(try counts() == ["web:example.org/p?id=2": [3, 3]])
    }

    /// The rules put two posts of different accounts under one status id (a mistyped link): the wrong URL is split
    /// out with its reports, and it stays out at intake (written otherwise) and through a rebuild.
    @Test func aSplitHoldsAtIntakeAndThroughARebuild() throws {
        try service.link(
            reportIDs: try storeReports(
                store,
                [
                    ("a@x.fr", "https://x.com/troll/status/1790000000000000001"),
                    ("b@x.fr", "https://twitter.com/troll/status/1790000000000000001?s=20"),
                    ("c@x.fr", "https://x.com/innocent/status/1790000000000000001"),
                    ("a@x.fr", "https://x.com/innocent/status/1790000000000000001"),
                ]))
        let original = try #require(try cluster("x:status:1790000000000000001"))
        #expect(original.reports == 4)
        let new = try service.split(
            clusterID: original.id, url: "https://x.com/innocent/status/1790000000000000001", author: "bob",
            note: "autre compte")
        let split = try #require(try store.clusters().first { $0.id == new })
        #expect(split.key == "split:x.com/innocent/status/1790000000000000001")
        #expect(split.platform == .x)
        #expect(split.reports == 2 && split.reporters == 2)
        #expect(try cluster("x:status:1790000000000000001").map { [$0.reports, $0.reporters] } == [2, 2])
        #expect(try service.lineage(clusterID: new).splitFrom == original.id)
        #expect(try store.consoleAudit(clusterID: original.id).first?.author == "bob")
        #expect(try store.consoleAudit(clusterID: new).first?.action.contains("n° \(original.id)") == true)

        // Written otherwise (https, case of the host, www., fragment): still split out.
        try service.link(
            reportIDs: try storeReports(
                store, [("d@x.fr", "http://WWW.X.com/innocent/status/1790000000000000001#m")], firstUID: 100))
        #expect(try store.clusters().first { $0.id == new }?.reports == 3)
        var before = try counts()
        try service.rebuild()
        #expect(try counts() == before)

        // Refusals change nothing.
        #expect(throws: ClusterCorrectionError.self) {
            try service.split(
                clusterID: original.id, url: "https://x.com/innocent/status/1790000000000000001", author: "b")
        }
        #expect(throws: ClusterCorrectionError.urlNotInCluster(cluster: original.id, url: "https://example.org/")) {
            try service.split(clusterID: original.id, url: "https://example.org/", author: "b")
        }
        try service.link(
            reportIDs: try storeReports(
                store, [("e@x.fr", "https://example.org/solo"), ("f@x.fr", "https://EXAMPLE.org/solo#haut")],
                firstUID: 200))
        let solo = try #require(try cluster("web:example.org/solo")).id
        before = try counts()
        #expect(throws: ClusterCorrectionError.nothingLeft(cluster: solo, url: "https://example.org/solo")) {
            // Both reports give that URL, written two ways: nothing would be left.
            try service.split(clusterID: solo, url: "https://example.org/solo", author: "b")
        }
        #expect(try counts() == before)

        let records = try service.overrides()
        #expect(records.map(\.kind) == [.split])
        #expect(records.first?.sourceClusterID == original.id && records.first?.targetClusterID == new)
        #expect(records.first?.source == "x.com/innocent/status/1790000000000000001")

        // Undone by merging the split cluster back.
        try service.merge(new, into: original.id, author: "bob")
        try service.rebuild()
        #expect(try cluster("x:status:1790000000000000001").map { [$0.reports, $0.reporters] } == [5, 4])
    }
}
