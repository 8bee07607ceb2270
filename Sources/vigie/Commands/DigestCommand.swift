import ArgumentParser
import Foundation
import VigieApp

struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest", abstract: "The moderators' digest.", subcommands: [Send.self])

    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enqueue the digest of the current period now (once per period and recipient).")
        @OptionGroup var global: GlobalOptions

        @Flag(name: .long, help: "Print the text version; enqueue nothing.")
        var dryRun = false

        @Option(name: .long, help: "With --dry-run: also write the HTML version to this file.")
        var html: String?

        @Option(
            name: .long, parsing: .upToNextOption,
            help: "Send to these addresses instead of the queue's `to` (the period is not recorded).")
        var to: [String] = []

        func run() throws {
            try guarded {
                let service = try global.context().digestService()
                if dryRun {
                    let p = try service.preview()
                    if let html {
                        do { try p.html.write(toFile: html, atomically: true, encoding: .utf8) } catch {
                            throw ValidationError("cannot write \(html): \(error.localizedDescription)")
                        }
                    }
                    Output.emit("Subject: \(p.subject)\n\n" + p.text)
                    return
                }
                if html != nil { throw ValidationError("--html goes with --dry-run") }
                let r = try service.send(to: to)
                Output.emit(
                    "digest \(r.period): \(r.enqueued) enqueued"
                        + (r.already > 0 ? ", \(r.already) already had it" : "")
                        + "; the outbox sender (vigie serve) delivers them")
            }
        }
    }
}
