import ArgumentParser
import Foundation
import VigieApp
import VigieCore

extension Clusters {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check now whether the URLs of clusters are still online (all qualified and notified ones "
                + "without ids); two removed checks an hour apart mark a notified cluster removed.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Cluster ids (none: every qualified, notified or still-online cluster).") var ids: [Int64] = []
        @Flag(name: .long, help: "JSON array output.") var json = false
        /// Test-only: shifts the checks' clock by this many seconds (the one-hour rule is tested without waiting).
        @Option(name: .customLong("test-clock-offset"), help: .hidden) var clockOffset: Double = 0

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let offset = clockOffset
                let service = try ctx.linkChecks()
                let now: @Sendable () -> Date = { Date().addingTimeInterval(offset) }
                let results = ids.isEmpty ? try service.checkAll(now: now) : try service.check(ids: ids, now: now)
                if json {
                    Output.emit(try Output.json(results.map(ClusterCheckJSON.init)))
                    return
                }
                guard !results.isEmpty else { return Output.emit("no cluster to check") }
                var lines: [String] = []
                for r in results {
                    lines.append(
                        "cluster \(r.clusterID)" + (r.markedRemoved ? ": removed (confirmed by two checks)" : ""))
                    for c in r.checks {
                        lines.append(
                            "  \(c.verdict.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                                + "\(c.detail) \(c.url)")
                    }
                }
                Output.emit(lines.joined(separator: "\n"))
            }
        }
    }
}

/// One cluster's checks in `clusters check --json`.
struct ClusterCheckJSON: Encodable {
    var result: LinkCheckService.ClusterResult

    enum CodingKeys: String, CodingKey {
        case checks
        case clusterID = "cluster_id"
        case markedRemoved = "marked_removed"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(result.clusterID, forKey: .clusterID)
        try c.encode(result.markedRemoved, forKey: .markedRemoved)
        try c.encode(result.checks.map(LinkCheckJSON.init), forKey: .checks)
    }
}
