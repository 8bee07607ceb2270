import ArgumentParser
import Foundation
import VigieApp
import VigieCore

struct Clusters: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reported contents grouped by identity, ranked by distinct reporters; the moderation workflow.",
        subcommands: [
            List.self, Show.self, Qualify.self, Mark.self, Notice.self, Notify.self, Replies.self, Evidence.self,
            EvidenceFetch.self, Check.self, Merge.self, Split.self, Overrides.self, Rebuild.self, ResolveLinks.self,
            Identify.self,
        ])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Clusters, highest priority first.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: "Only this status: new, qualified, notified, removed, online, rejected.")
        var status: String?
        @Option(name: .long, help: ArgumentHelp("Only this platform: \(Platform.names).", valueName: "platform"))
        var platform: String?
        @Option(name: .long, help: "At most N rows.") var limit: Int?
        @Flag(name: .long, help: "JSON array output.") var json = false

        func run() throws {
            try guarded {
                let st = try status.map(parseStatus)
                let only = try platform.map { name in
                    guard let p = Platform(rawValue: name.lowercased()) else {
                        throw ValidationError("unknown platform \"\(name)\"; use one of \(Platform.names)")
                    }
                    return p
                }
                if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
                let ctx = try global.context()
                let rows = try ctx.clusterService().list(status: st, platform: only, limit: limit)
                Output.emit(json ? try Output.json(rows.map(ClusterJSON.init)) : Output.clusterTable(rows))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One cluster: its reports and its history.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Cluster id.") var id: Int64
        @Flag(name: .long, help: "Include the reporters' addresses.") var reporters = false
        @Flag(name: .long, help: "JSON object output.") var json = false

        func run() throws {
            try guarded {
                let ctx = try global.context()
                guard let d = try ctx.clusterService().detail(id: id, includeReporters: reporters) else {
                    throw ValidationError("cluster \(id) not found; see `vigie clusters list`")
                }
                Output.emit(json ? try Output.json(ClusterDetailJSON(detail: d)) : Output.clusterDetail(d))
            }
        }
    }

    struct Qualify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Qualify a cluster against an offence code.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Cluster id.") var id: Int64
        @Argument(help: "Offence code (see the offences file).") var code: String
        @Option(name: .long, help: "Why it breaches that provision.") var note: String?
        @Option(name: .long, help: "Who decides (default: $VIGIE_MODERATOR or $USER).") var by: String?

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let status = try ctx.moderation().change(
                    clusterID: id, ModerationChange(to: .qualified, offence: code, note: note, author: author(by)))
                Output.emit("cluster \(id): \(status.rawValue) (\(code))")
            }
        }
    }

    struct Mark: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the next step: notified, removed, online (still up at recheck) or rejected.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Cluster id.") var id: Int64
        @Argument(help: "notified | removed | online | rejected") var status: String
        @Option(name: .long, help: "The platform's reference for the notice.") var platformRef: String?
        @Option(name: .long, help: "How the platform was notified (form, e-mail, trusted-flagger API).")
        var channel: String?
        @Option(name: .long, help: "Why it is rejected (required with rejected).") var reason: String?
        @Option(name: .long, help: "A note kept in the history.") var note: String?
        @Option(name: .long, help: "Who decides (default: $VIGIE_MODERATOR or $USER).") var by: String?

        func run() throws {
            try guarded {
                let to = try parseStatus(status)
                guard [.notified, .removed, .online, .rejected].contains(to) else {
                    throw ValidationError("mark takes notified, removed, online or rejected; use qualify to qualify")
                }
                let ctx = try global.context()
                let s = try ctx.moderation().change(
                    clusterID: id,
                    ModerationChange(
                        to: to, note: note, platformRef: platformRef, channel: channel,
                        reason: reason, author: author(by)))
                Output.emit("cluster \(id): \(s.rawValue)")
            }
        }
    }

    struct Notice: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the notice to send to the platform (EU DSA art. 16), in French.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Cluster id (must be qualified).") var id: Int64

        func run() throws {
            try guarded {
                let ctx = try global.context()
                Output.emit(try ctx.moderation().notice(clusterID: id))
            }
        }
    }

    struct Rebuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every content identity and cluster from the stored reports (moderation kept).")
        @OptionGroup var global: GlobalOptions
        @Flag(name: .long, help: "If another rebuild is running, wait for it instead of exiting 75.") var wait = false

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let start = Date()
                Signals.exitReleasingLeases()
                let n = try ctx.clusterService().rebuild(waitForLease: wait)
                Output.emit("rebuilt \(n) clusters in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
            }
        }
    }

    struct ResolveLinks: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resolve-links", abstract: "Resolve the short links that are due and re-cluster their reports."
        )
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: "At most N links.") var limit = 200

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let r = try ctx.clusterService().resolveShortLinks(limit: limit)
                Output.emit("resolved \(r.resolved), failed \(r.failed) (failures are retried later)")
            }
        }
    }
}

extension Clusters {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge a cluster into another: the identity rules kept apart what is one content.",
            discussion: """
                FROM's URLs move to INTO now, and at every later intake and rebuild. FROM must be new or qualified \
                and never notified; its page then leads to INTO. Recorded in both audit trails.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The cluster to absorb.") var from: Int64
        @Argument(help: "The cluster that absorbs it (keeps its status).") var into: Int64
        @Option(name: .long, help: "Why (kept in the audit trail).") var note: String?
        @Option(name: .long, help: "Who decides (default: $VIGIE_MODERATOR or $USER).") var by: String?

        func run() throws {
            try guarded {
                let ctx = try global.context()
                try ctx.clusterService().merge(from, into: into, author: author(by), note: note)
                Output.emit("cluster \(from) merged into cluster \(into)")
            }
        }
    }

    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Split a URL wrongly clustered out of a cluster into a cluster of its own.",
            discussion: """
                URL is written as in `clusters show ID` (URLs as reported). Every URL written the same way, up to \
                scheme, case of the host, www., parameter order and fragment, follows it, now and at every later \
                intake and rebuild. Recorded in both audit trails.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The cluster the URL is in.") var id: Int64
        @Argument(help: "The URL as reported.") var url: String
        @Option(name: .long, help: "Why (kept in the audit trail).") var note: String?
        @Option(name: .long, help: "Who decides (default: $VIGIE_MODERATOR or $USER).") var by: String?

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let new = try ctx.clusterService().split(clusterID: id, url: url, author: author(by), note: note)
                Output.emit("split out of cluster \(id) into cluster \(new)")
            }
        }
    }

    struct Overrides: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The merges and splits moderators made, oldest first.")
        @OptionGroup var global: GlobalOptions
        @Flag(name: .long, help: "JSON array output.") var json = false

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let rows = try ctx.clusterService().overrides()
                Output.emit(json ? try Output.json(rows.map(OverrideJSON.init)) : Output.overrideTable(rows))
            }
        }
    }

    struct Identify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the content identity of URLs (arguments, or one per line on stdin).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "URLs (none: read stdin).") var urls: [String] = []
        @Flag(name: .long, help: "Print only the count and the rate (URLs/s) on stderr.") var stats = false

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let rules = ctx.config.clusters.identityRules
                var input = urls
                if input.isEmpty {
                    let data = FileHandle.standardInput.readDataToEndOfFile()
                    input = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
                }
                let start = ContinuousClock.now
                var out: [String] = []
                out.reserveCapacity(stats ? 0 : input.count)
                var identified = 0
                for u in input {
                    let id = ContentIdentifier.identify(u, rules: rules)
                    if id != nil { identified += 1 }
                    if !stats { out.append("\(id?.key ?? "-")\t\(id?.account?.key ?? "-")\t\(u)") }
                }
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                if stats {
                    FileHandle.standardError.write(
                        Data(
                            String(
                                format: "%d URLs (%d identified) in %.3f s: %.0f URLs/s\n",
                                input.count, identified, seconds, Double(input.count) / max(seconds, 1e-9)
                            ).utf8))
                } else {
                    Output.emit(out.joined(separator: "\n"))
                }
            }
        }
    }
}

struct Accounts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accounts whose content was reported.", subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accounts by distinct reporters.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: "At most N rows.") var limit: Int?
        @Flag(name: .long, help: "JSON array output.") var json = false

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let rows = try ctx.clusterService().accounts(limit: limit)
                Output.emit(json ? try Output.json(rows.map(AccountJSON.init)) : Output.accountTable(rows))
            }
        }
    }
}

func parseStatus(_ s: String) throws -> ModerationStatus {
    guard let v = ModerationStatus(rawValue: s) else {
        throw ValidationError(
            "unknown status \(SafeText.quoted(s)); use one of: "
                + ModerationStatus.allCases.map(\.rawValue).joined(separator: ", "))
    }
    return v
}

func author(_ option: String?) -> String {
    let env = ProcessInfo.processInfo.environment
    return option ?? env["VIGIE_MODERATOR"] ?? env["USER"] ?? "moderator"
}
