import ArgumentParser
import Foundation
import VigieApp

struct Poll: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest new mail from every intake queue (IMAP IDLE where offered); send the acknowledgements due.")
    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Ingest what is there now, then exit.")
    var once = false

    @Option(name: .long, help: "Only this queue (name of its file in queues/, without .toml).")
    var queue: String?

    @Flag(name: .long, help: "If another runner polls a mailbox, wait for it instead of exiting 75.")
    var wait = false

    func run() throws {
        try guarded {
            // Installed first: a SIGTERM during start-up stops the poller as cleanly as one during a poll.
            let stop = StopSignal()
            if !once { Signals.onTerminate { stop.stop() } }
            let ctx = try global.context(requireSecrets: true)
            // The acknowledgements the reports earn go out after each batch, when that queue is enabled.
            let acknowledgements = try ctx.outboxSenders(kind: .acknowledgements)
            if once {
                let service = try ctx.intakeService(only: queue)
                Signals.exitReleasingLeases()
                let stats = try service.pollOnce(waitForLease: wait)
                Output.emit(stats.summary)
                for sender in acknowledgements {
                    Output.emit(try sender.run(stop: stop, waitForLease: wait).summary)
                }
            } else {
                // On a thread of their own: a slow relay never holds intake back.
                try OutboxSender.alongside(acknowledgements, stop: stop) { ring in
                    try ctx.intakeService(only: queue, afterPass: ring).run(until: stop, waitForLease: wait)
                }
                // Stopped by SIGTERM or SIGINT: the shell's 128 + signal (vigie-poll.service counts 143 as success).
                if let status = Signals.exitStatus { throw ExitCode(status) }
            }
        }
    }
}
