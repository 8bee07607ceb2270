import ArgumentParser
import Foundation
import Logging
import VigieApp
import VigieWeb

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every long-lived job until SIGTERM/SIGINT: intake (IMAP IDLE), short links, the outbox, the "
            + "digest's schedule, scheduled and unfinished editions, and HTTP when [http] listen is set.",
        discussion: """
            One serve per database (lease `serve`; a second one exits 75). Each job holds its own lease as the \
            one-shot commands do, so `poll` or `newsletter send` beside serve refuse (exit 75) or wait (--wait). \
            SIGTERM or SIGINT: every job finishes what is in flight, the leases are released, exit 0.
            """)
    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "If another serve runs on this database, wait for it to stop instead of exiting 75.")
    var wait = false

    @Option(name: .long, help: "Log lines as text (default) or json (one object per line, for journald/Loki).")
    var logFormat: LogFormat = .text

    /// Test-only: shifts the scheduler's clock by this many seconds (schedules and catch-up are tested without
    /// waiting for a real day). Never set it in production.
    @Option(name: .customLong("test-clock-offset"), help: .hidden)
    var testClockOffset: Double = 0

    func run() throws {
        try guarded {
            // Installed first: a SIGTERM during start-up stops serve as cleanly as one later.
            let stop = StopSignal()
            Signals.onTerminate(announce: false) {
                Logger(label: "vigie").info("stopping: every job finishes its work in flight")
                stop.stop()
            }
            bootstrapLogging(verbose: global.verbose, format: logFormat)
            let ctx = try global.context(requireSecrets: true)
            let offset = testClockOffset
            let supervisor = try ctx.supervisor(clock: { Date().addingTimeInterval(offset) })
            // The HTTP side, when `[http] listen` is set: its templates are checked now, before any job starts.
            let web = try ctx.config.httpListen.map { try WebServer(context: ctx, listen: $0) }
            try supervisor.run(until: stop, waitForLease: wait, extraJobs: web.map { [$0.job] } ?? [])
        }
    }
}
