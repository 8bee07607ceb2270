import ArgumentParser
import Foundation
import VigieApp
import VigieCore

extension Clusters {
    struct Notify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the DSA notice for the platform, or with --send mail it through the outbox and mark the "
                + "cluster notified.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Cluster id (must be qualified).") var id: Int64
        @Flag(name: .long, help: "Mail it to the platform's notice_email (queues/notices.toml).") var send = false
        @Flag(name: .long, help: "With --send: mail a reminder to a cluster already notified.") var again = false
        @Option(name: .long, help: "Who decides (default: $VIGIE_MODERATOR or $USER).") var by: String?

        func run() throws {
            try guarded {
                if again && !send { throw ValidationError("--again goes with --send") }
                let ctx = try global.context()
                let mailer = try ctx.noticeMailer()
                guard send else {
                    Output.emit(try mailer.preview(clusterID: id))
                    return
                }
                let n = try mailer.send(clusterID: id, author: author(by), again: again)
                Output.emit(
                    "cluster \(id): notified; notice <\(n.messageID)> enqueued for \(n.recipient) with "
                        + "\(n.screenshots) screenshots (queue \(n.queue); vigie serve or vigie outbox send sends it)")
            }
        }
    }

    struct Replies: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Platforms' replies to notices: of one cluster, the unmatched ones, or all (newest first).")
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: "Only this cluster's.") var cluster: Int64?
        @Flag(name: .long, help: "Only the replies that named no notice of ours.") var unmatched = false
        @Option(name: .long, help: "At most N rows.") var limit: Int?
        @Flag(name: .long, help: "JSON array output.") var json = false

        func run() throws {
            try guarded {
                if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
                let ctx = try global.context()
                let rows = try ctx.platformReplies(clusterID: cluster, unmatchedOnly: unmatched, limit: limit)
                Output.emit(json ? try Output.json(rows.map(PlatformReplyJSON.init)) : Output.replyTable(rows))
            }
        }
    }

    struct Evidence: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a cluster's evidence (snapshots, screenshots, reports, audit trail, manifest) to a folder."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Cluster id.") var id: Int64
        @Option(name: .long, help: "A new (or empty) folder to write into.") var out: String
        @Flag(name: .long, help: "Include the raw reports, reporters' addresses and names included.")
        var withReporters = false

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let e = try ctx.evidenceService().export(clusterID: id, to: out, withReporters: withReporters)
                Output.emit(
                    "cluster \(id): \(e.files.count) files written to \(e.directory), listed with their sha256 in "
                        + "manifest.txt and manifest.json")
            }
        }
    }

    struct EvidenceFetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evidence-fetch",
            abstract: "Fetch now the reported URLs not kept as evidence yet (new reports, or one cluster's).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Cluster id (none: the reports received since the last fetch).") var id: Int64?

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let service = try ctx.evidenceService()
                let n = try id.map { try service.fetch(clusterID: $0) } ?? service.fetchDue()
                Output.emit("kept \(n) pages as evidence")
            }
        }
    }
}
