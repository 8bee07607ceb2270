import ArgumentParser
import Foundation
import Synchronization
import VigieApp
import VigieCore

struct Newsletter: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The daily edition: preview, check, test, send (resumable), schedule, status, failures, retry.",
        subcommands: [
            Preview.self, Check.self, Test.self, Send.self, Schedule.self, Scheduled.self, Unschedule.self,
            Status.self, Failures.self, Retry.self, UnsubscribeToken.self,
        ])

    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render the edition as one subscriber gets it (text on stdout, HTML to --to).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Edition file (TOML).") var edition: String
        @Option(name: .long, help: "Write the HTML part to this file.") var to: String?
        @Option(name: .long, help: "Render for this subscriber's address.") var address: String?
        @Flag(name: .long, help: "Print the whole raw message (headers and encoded parts).") var raw = false

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let (e, _) = try NewsletterService.loadEdition(edition)
                let p = try ctx.newsletter().preview(e, address: address)
                if let to {
                    do { try p.html.write(toFile: to, atomically: true, encoding: .utf8) } catch {
                        throw ValidationError("cannot write \(to): \(error.localizedDescription)")
                    }
                    FileHandle.standardError.write(Data("HTML written to \(to)\n".utf8))
                }
                if raw {
                    FileHandle.standardOutput.write(Data(p.raw))
                } else {
                    Output.emit(MIMEPreview.headerBlock(of: p.raw))
                    Output.emit("")
                    Output.emit(p.text)
                }
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Editorial checks (warnings, never blocking).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Edition file (TOML).") var edition: String
        @Flag(name: .long, help: "Skip the dead-link check (no network).") var offline = false

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let (e, _) = try NewsletterService.loadEdition(edition)
                let w = try ctx.newsletter().check(e, checkLinks: !offline)
                for line in w { Output.emit("warning: \(line)") }
                Output.emit("\(e.news.count) news, \(e.press.count) press items, \(w.count) warnings")
            }
        }
    }

    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the edition to every active subscriber; run it again to resume (nobody gets it twice).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Edition file (TOML).") var edition: String
        @Option(name: .long, help: "Newsletter queue (file name in queues/ without .toml).") var queue: String?
        @Flag(name: .long, help: "Exit when only deferred deliveries remain (the next send retries them).")
        var noWait = false
        @Flag(name: .long, help: "Skip the editorial warnings.") var quiet = false
        @Flag(name: .long, help: "If another runner is sending this edition, wait for it instead of exiting 75.")
        var wait = false

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let service = try ctx.newsletter(queue: queue, create: true)
                let (e, sha, source) = try NewsletterService.loadEditionSource(edition)
                if !quiet {
                    for w in service.check(e, checkLinks: false) {
                        Output.warn("warning: \(w)")
                    }
                }
                let stop = StopSignal()
                Signals.onTerminate { stop.stop() }
                let progress = SendProgressDisplay(edition: e.id)
                let status: EditionStatus
                do {
                    status = try service.send(
                        e, sha256: sha, source: source, stop: stop, waitForDeferred: !noWait,
                        waitForLease: wait,
                        onProgress: { summary, start in progress.show(summary, start) })
                } catch {
                    // A relay fault (or any other) ends as one line on stderr, after the progress line.
                    progress.done()
                    throw error
                }
                progress.done()
                Output.emit(
                    "edition \(status.edition): sent \(status.sent), failed \(status.failed), deferred "
                        + "\(status.deferred), pending \(status.pending), skipped \(status.skipped) of \(status.total)")
                if stop.isStopped && !status.isFinished {
                    Output.emit("interrupted: run the same command again to resume")
                    throw ExitCode(Signals.exitStatus ?? 130)
                }
            }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a proof to the editors through the newsletter's relay (subject prefixed [TEST]; no "
                + "delivery recorded).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Edition file (TOML).") var edition: String
        @Option(name: .long, parsing: .upToNextOption, help: "Editors' addresses (one or more).") var to: [String]
        @Option(name: .long, help: "Newsletter queue (file name in queues/ without .toml).") var queue: String?

        func validate() throws {
            guard !to.isEmpty else { throw ValidationError("give the editors' addresses with --to ADDRESS…") }
            for a in to where EmailAddress.validate(a) == nil {
                throw ValidationError("--to \(SafeText.quoted(a)) is not an email address")
            }
        }

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let (e, _) = try NewsletterService.loadEdition(edition)
                let results = try ctx.newsletter(queue: queue).sendProof(e, to: to)
                var refused = 0
                for r in results {
                    if r.reply.isAccepted {
                        Output.emit("proof sent to \(Output.one(r.address))")
                    } else {
                        refused += 1
                        Output.warn(
                            "proof to \(Output.one(r.address)) refused: \(r.reply.code) "
                                + Output.one(r.reply.text))
                    }
                }
                if refused > 0 { throw ExitCode(1) }
            }
        }
    }

    struct Schedule: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue an edition for vigie serve to send at a given time (--at, or send_at in the file).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Edition file (TOML); its text is kept, later edits of the file do not count.")
        var edition: String
        @Option(name: .long, help: "ISO 8601 date and time: local (2026-11-21T07:30) or with an offset.")
        var at: String?
        @Option(name: .long, help: "Newsletter queue (file name in queues/ without .toml).") var queue: String?

        func run() throws {
            try guarded {
                var when: Date?
                if let at {
                    guard let d = EditionSchedule.instant(at) else {
                        throw ValidationError(
                            "--at \(SafeText.quoted(at)) is not a date and time; write it as "
                                + "2026-11-21T07:30 (local time) or 2026-11-21T07:30+01:00")
                    }
                    when = d
                }
                let ctx = try global.context()
                let (e, sha, source) = try NewsletterService.loadEditionSource(edition)
                let s = try ctx.newsletter(queue: queue, create: true).schedule(
                    e, sha256: sha, source: source,
                    at: when, queue: queue)
                Output.emit(
                    "edition \(e.id) scheduled (#\(s.id)) for \(Output.localTime(s.sendAt)); "
                        + "vigie serve sends it then")
            }
        }
    }

    struct Scheduled: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the scheduled editions.")
        @OptionGroup var global: GlobalOptions
        @Flag(name: .long, help: "JSON output.") var json = false

        func run() throws {
            try guarded {
                let rows = try global.context().deliveries().scheduled()
                if json {
                    Output.emit(try Output.json(rows.map(ScheduledEditionJSON.init)))
                    return
                }
                guard !rows.isEmpty else {
                    Output.emit("no scheduled edition")
                    return
                }
                Output.emit("ID     SEND AT                     STATE      EDITION")
                for r in rows {
                    Output.emit(
                        Output.pad("#\(r.id)", 6) + " " + Output.pad(Output.localTime(r.sendAt), 27) + " "
                            + Output.pad(r.state.rawValue, 10) + " " + Output.one(r.editionID))
                }
            }
        }
    }

    struct Unschedule: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a scheduled edition (refused once its sending started).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The schedule's id (vigie newsletter scheduled).") var id: Int64

        func run() throws {
            try guarded {
                let edition = try global.context().deliveries().unschedule(id: id)
                Output.emit("edition \(edition) unscheduled (#\(id))")
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Counts for an edition.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Edition id.") var id: String
        @Flag(name: .long, help: "JSON: {edition, total, sent, failed, deferred, pending, skipped}.") var json = false

        func run() throws {
            try guarded {
                guard let s = try global.context().deliveries().status(editionID: id) else {
                    throw ValidationError("no edition \(id); send it first")
                }
                Output.emit(
                    json
                        ? try Output.json(EditionStatusJSON(status: s))
                        : "edition \(s.edition): total \(s.total), sent \(s.sent), failed "
                            + "\(s.failed), deferred \(s.deferred), pending \(s.pending), skipped \(s.skipped)")
            }
        }
    }

    struct Failures: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliveries that failed for good.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Edition id.") var id: String
        @Flag(name: .long, help: "JSON output.") var json = false

        func run() throws {
            try guarded {
                guard let rows = try global.context().deliveries().failures(editionID: id) else {
                    throw ValidationError("no edition \(id)")
                }
                if json {
                    Output.emit(try Output.json(rows.map(DeliveryFailureJSON.init)))
                } else {
                    for f in rows {
                        Output.emit("\(Output.one(f.email))\t\(f.attempts) attempts\t\(Output.one(f.reply ?? "-"))")
                    }
                    Output.emit("\(rows.count) failed")
                }
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Requeue the failed deliveries (of subscribers still active); then run send again.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Edition id.") var id: String

        func run() throws {
            try guarded {
                guard let n = try global.context().deliveries().retryFailed(editionID: id) else {
                    throw ValidationError("no edition \(id)")
                }
                Output.emit("requeued \(n) deliveries; run vigie newsletter send to send them")
            }
        }
    }

    struct UnsubscribeToken: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unsubscribe",
            abstract: "Apply a one-click unsubscribe token (what the /u/TOKEN endpoint calls).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The token from the List-Unsubscribe link.") var token: String

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let settings = try ctx.newsletterSettings()
                let tokens = try UnsubscribeTokens(secret: settings.secret, listID: settings.list.listID)
                guard
                    let s = try ctx.subscribers().unsubscribe(
                        token: token, tokens: tokens, reason: "token given to the command", channel: .command)
                else { throw ValidationError("invalid or revoked token") }
                Output.emit("\(s.email): unsubscribed")
            }
        }
    }
}

/// A progress bar on a terminal, a log line every few seconds otherwise.
final class SendProgressDisplay: Sendable {
    let edition: String
    let tty = isatty(STDERR_FILENO) == 1
    let started = Date()
    /// When the last progress line was logged (non-terminal output); the lock also keeps lines whole.
    let lastLog = Mutex(Date.distantPast)

    init(edition: String) { self.edition = edition }

    func show(_ s: Dispatcher.Summary, _ start: EditionStatus) {
        lastLog.withLock { lastLog in
            let todo = max(1, start.pending + start.deferred)
            let done = s.sent + s.failed + s.skipped
            let elapsed = max(0.001, Date().timeIntervalSince(started))
            let rate = Double(s.sent) / elapsed
            let eta = rate > 0 ? Double(max(0, todo - done)) / rate : 0
            if tty {
                let width = 30
                let filled = min(width, width * done / todo)
                let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
                let line = String(
                    format: "\r%@ %@ %d/%d  %.1f msg/s  ETA %@  failed %d deferred %d ", edition, bar,
                    done, todo, rate, Self.clock(eta), s.failed, s.deferred)
                FileHandle.standardError.write(Data(line.utf8))
            } else if Date().timeIntervalSince(lastLog) >= 5 {
                lastLog = Date()
                FileHandle.standardError.write(
                    Data(
                        String(
                            format: "%@: %d/%d sent or failed, %.1f msg/s, ETA %@\n",
                            edition, done, todo, rate, Self.clock(eta)
                        ).utf8))
            }
        }
    }

    func done() {
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
    }
}
