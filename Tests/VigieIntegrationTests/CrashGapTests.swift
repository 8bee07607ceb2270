import Foundation
import Logging
import Testing
import VigieApp
import VigieCore
import VigieStore

/// What a crash between two commits leaves behind is completed by the next run, with the counts of a clean run.
@Suite(.serialized) struct CrashGapTests {
    /// A cluster as counts see it (priority moves with the clock; ids with the order of creation).
    struct Counted: Hashable {
        var key: String
        var reports: Int
        var reporters: Int
        var urls: Set<String>
    }

    static func counted(_ store: Store) throws -> Set<Counted> {
        Set(
            try store.clusters().map {
                Counted(
                    key: $0.key, reports: $0.reports, reporters: $0.reporters,
                    urls: Set($0.urls))
            })
    }

    /// Reports saved but not linked (the process died between the two commits) are linked by the next
    /// `poll --once`, beside new mail, and the counts are those of a clean rebuild.
    @Test func pollLinksReportsAnInterruptedRunSavedButDidNotLink() throws {
        try LocalServers.requireIMAP()
        let user = LocalServers.uniqueUser()
        try LocalServers.deliver(
            [
                reportMail(1, from: "d@exemple.fr", url: "https://x.com/troll/status/1790000000000000001")
            ], to: user)
        let config = try VigieCLI.initConfig(user: user)
        let dbPath = (config as NSString).deletingLastPathComponent + "/var/vigie.sqlite"
        try FileManager.default.createDirectory(
            atPath: (dbPath as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        let store = try Store(path: dbPath)
        // Saved through the store's API exactly as intake saves them, without the linking commit that follows.
        _ = try storeReports(
            store,
            [
                ("a@exemple.fr", "https://x.com/Troll/status/1790000000000000001?s=20"),
                ("b@exemple.fr", "https://mobile.twitter.com/troll/status/1790000000000000001/photo/1"),
                ("a@exemple.fr", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
                ("c@exemple.fr", "https://facebook.com/"),
            ])
        #expect(try store.clusters().isEmpty)
        #expect(try store.reportsAwaitingLink() == 4)

        let poll = try VigieCLI.run(["poll", "--once"], config: config)
        #expect(poll.status == 0, "\(poll.stderr)")
        #expect(try store.reportsAwaitingLink() == 0)
        let afterPoll = try Self.counted(store)
        #expect(afterPoll.count == 2)
        #expect(afterPoll.contains { $0.reports == 3 && $0.reporters == 3 })
        #expect(afterPoll.contains { $0.reports == 1 && $0.reporters == 1 })

        let rebuild = try VigieCLI.run(["clusters", "rebuild"], config: config)
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(try Self.counted(store) == afterPoll)

        // Nothing is left to link: the next poll changes nothing.
        #expect(try VigieCLI.run(["poll", "--once"], config: config).status == 0)
        #expect(try Self.counted(store) == afterPoll)
    }

    /// The store's queue of reports to link: filled by the save, emptied by the linking (or a rebuild) in the same
    /// transaction, and `linkInterrupted` counts each report once even when intake's own linking runs after it.
    @Test func linkingEmptiesTheQueueAndCountsOnce() throws {
        func service(_ store: Store) -> ClusterService {
            ClusterService(
                store: store, settings: ClusterSettings(resolveShortLinks: false), logger: Logger(label: "t"))
        }
        let store = try Store(path: NSTemporaryDirectory() + "vigie-gap-\(UUID().uuidString)/vigie.sqlite")
        let ids = try storeReports(
            store,
            [
                ("a@x.fr", "https://x.com/troll/status/1790000000000000001"),
                ("b@x.fr", "https://x.com/troll/status/1790000000000000001"),
                ("c@x.fr", "https://x.com/troll/status/1790000000000000001"),
            ])
        #expect(try store.reportsAwaitingLink() == 3)
        try service(store).link(reportIDs: [ids[0]])
        #expect(try store.reportsAwaitingLink() == 2)
        #expect(try service(store).linkInterrupted() == 1)
        #expect(try store.reportsAwaitingLink() == 0)
        #expect(try service(store).linkInterrupted() == 0)
        // Intake's linking after the repair finds nothing left to count.
        try service(store).link(reportIDs: ids)
        let linked = try Self.counted(store)
        #expect(linked.map(\.reports) == [3])
        #expect(linked.map(\.reporters) == [3])

        let rebuilt = try Store(path: NSTemporaryDirectory() + "vigie-gap-\(UUID().uuidString)/vigie.sqlite")
        _ = try storeReports(rebuilt, [("a@x.fr", "https://x.com/troll/status/1790000000000000001")])
        #expect(try rebuilt.reportsAwaitingLink() == 1)
        try service(rebuilt).rebuild()
        #expect(try rebuilt.reportsAwaitingLink() == 0)
        #expect(try Self.counted(rebuilt).map(\.reports) == [1])
    }
}
