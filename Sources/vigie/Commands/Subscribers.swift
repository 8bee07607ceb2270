import ArgumentParser
import Foundation
import VigieApp
import VigieCore

struct Subscribers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Newsletter subscribers.",
        subcommands: [Import.self, Add.self, Unsubscribe.self, Show.self, Count.self, Export.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a CSV file (header email,name[,language]; `,`, `;` or tab); never resubscribes anyone "
                + "who left.",
            discussion: "Exit status: 0 every row taken, 2 some rows rejected (listed on stderr, the others imported), "
                + "1 nothing imported (unreadable file, bad header).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The CSV file.") var file: String

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let report = try ctx.subscribers(create: true).importCSV(path: file)
                for r in report.rejections { Output.warn("\(file): \(r)") }
                Output.emit(report.line)
                // 2 = partial: the valid rows are in, the rejected ones (listed above) are not.
                if !report.rejections.isEmpty { throw ExitCode(2) }
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add one subscriber.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Address.") var address: String
        @Option(name: .long, help: "Display name.") var name: String?
        @Option(name: .long, help: "Language code (fr, en, …).") var language: String?
        @Flag(name: .long, help: "Take back an address that unsubscribed or bounced (only at the person's request).")
        var resubscribe = false

        func run() throws {
            try guarded {
                let s = try global.context().subscribers(create: true).add(
                    address, name: name, language: language,
                    resubscribe: resubscribe)
                Output.emit("\(s.email): \(s.status.rawValue)")
            }
        }
    }

    struct Unsubscribe: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unsubscribe an address.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Address.") var address: String
        @Option(name: .long, help: "Why (kept in the history).") var reason = "by the operator"

        func run() throws {
            try guarded {
                guard let s = try global.context().subscribers().unsubscribe(address, reason: reason) else {
                    throw ValidationError("\(SafeText.quoted(address)) is not a subscriber")
                }
                Output.emit("\(s.email): \(s.status.rawValue)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One subscriber and their history.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Address.") var address: String
        @Flag(name: .long, help: "JSON output.") var json = false

        func run() throws {
            try guarded {
                let subscribers = try global.context().subscribers()
                guard let s = try subscribers.find(address) else {
                    throw ValidationError("\(SafeText.quoted(address)) is not a subscriber")
                }
                let consent = try subscribers.consent(subscriberID: s.id)
                if json {
                    Output.emit(try Output.json(SubscriberJSON(subscriber: s, consent: consent)))
                    return
                }
                let iso = ISO8601DateFormatter()
                Output.emit(
                    Output.one(s.email) + (s.name.map { " (\(Output.one($0)))" } ?? "")
                        + " — \(s.status.rawValue)"
                        + (s.language.map { ", language \($0)" } ?? "") + ", \(s.bounces) bounces")
                for e in try subscribers.history(subscriberID: s.id) {
                    Output.emit("  \(iso.string(from: e.at)) \(e.event)\(e.detail.map { ": \(Output.one($0))" } ?? "")")
                }
                // The proof of consent: who joined or left, when, and how.
                Output.emit("consent:" + (consent.isEmpty ? " none recorded (added before consent was recorded)" : ""))
                for c in consent {
                    let asked = c.requestedAt.map { ", asked \(iso.string(from: $0))" } ?? ""
                    let detail = c.detail.map { ": \(Output.one($0))" } ?? ""
                    Output.emit("  \(iso.string(from: c.at)) \(c.action) via \(c.channel)\(asked)\(detail)")
                }
            }
        }
    }

    struct Count: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Subscribers by status.")
        @OptionGroup var global: GlobalOptions
        @Flag(name: .long, help: "JSON output: {active, unsubscribed, bounced}.") var json = false

        func run() throws {
            try guarded {
                let c = try global.context().subscribers().counts()
                Output.emit(
                    json
                        ? try Output.json(SubscriberCountsJSON(counts: c))
                        : "active \(c.active), unsubscribed \(c.unsubscribed), bounced \(c.bounced)")
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every subscriber as CSV on stdout.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: "Only this status: active, unsubscribed, bounced.") var status: String?

        func run() throws {
            try guarded {
                let st = try status.map { s -> SubscriberStatus in
                    guard let v = SubscriberStatus(rawValue: s) else {
                        throw ValidationError(
                            "unknown status \(SafeText.quoted(s)); use active, unsubscribed or "
                                + "bounced")
                    }
                    return v
                }
                FileHandle.standardOutput.write(Data(try global.context().subscribers().exportCSV(status: st).utf8))
            }
        }
    }
}
