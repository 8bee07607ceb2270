import ArgumentParser
import Foundation
import VigieApp
import VigieCore

struct Reports: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stored reports (every message received, whatever its status).", subcommands: [List.self, Show.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored messages, newest first.")
        @OptionGroup var global: GlobalOptions
        @Flag(name: .long, help: "JSON array output.") var json = false
        @Option(name: .long, help: "Only this status: received, parsed, automatic, unparsed, too-large.")
        var status: String?
        @Option(name: .long, help: "At most N rows.") var limit: Int?

        func run() throws {
            try guarded {
                var st: MessageStatus?
                if let s = status {
                    guard let v = MessageStatus(rawValue: s) else {
                        throw ValidationError(
                            "unknown status \(SafeText.quoted(s)); use one of: "
                                + MessageStatus.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    st = v
                }
                if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
                let ctx = try global.context()
                let rows = try ctx.reports().list(status: st, limit: limit)
                if json {
                    Output.emit(try Output.json(rows.map(ReportJSON.init)))
                } else {
                    Output.emit(Output.reportTable(rows))
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one stored message in full.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Report id (from reports list).") var id: Int64
        @Flag(name: .long, help: "JSON object output.") var json = false

        func run() throws {
            try guarded {
                let ctx = try global.context()
                guard let r = try ctx.reports().report(id: id) else {
                    throw ValidationError("report \(id) not found; see `vigie reports list`")
                }
                Output.emit(json ? try Output.json(ReportDetailJSON(detail: r)) : Output.reportDetail(r))
            }
        }
    }
}
