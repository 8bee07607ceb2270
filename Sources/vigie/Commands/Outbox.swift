import ArgumentParser
import Foundation
import VigieApp
import VigieCore

struct Outbox: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The outbox (acknowledgements, outcome notices, digests, alerts): status, failures, retry, send.",
        subcommands: [Status.self, Failures.self, Retry.self, Send.self])

    /// `--queue` and `--kind`, narrowing failures and retry.
    struct Filter: ParsableArguments {
        @Option(name: .long, help: "Only this queue (file name in queues/ without .toml).") var queue: String?
        @Option(name: .long, help: "Only this kind (\(OutboxKind.allCases.map(\.rawValue).joined(separator: ", "))).")
        var kind: String?

        func parsedKind() throws -> OutboxKind? {
            guard let kind else { return nil }
            guard let k = OutboxKind(rawValue: kind) else {
                throw ValidationError("unknown kind \(SafeText.quoted(kind)); kinds: "
                    + OutboxKind.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return k
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Counts per queue and kind.")
        @OptionGroup var global: GlobalOptions
        @Flag(name: .long, help: "JSON: [{queue, kind, pending, deferred, sent, failed, skipped, pruned, next_attempt_at, oldest_unsent_at}].")
        var json = false

        func run() throws {
            try guarded {
                let rows = try global.context().outbox().status()
                if json {
                    Output.emit(try Output.json(rows.map(OutboxCountsJSON.init)))
                    return
                }
                for c in rows {
                    var line = "\(Output.one(c.queue)) \(c.kind.rawValue): pending \(c.pending), deferred "
                        + "\(c.deferred), sent \(c.sent), failed \(c.failed), skipped \(c.skipped)"
                    if let next = c.nextAttemptAt { line += ", next retry \(Output.dateFormatter.string(from: next))" }
                    if let oldest = c.oldestUnsentAt { line += ", oldest unsent \(Output.dateFormatter.string(from: oldest))" }
                    Output.emit(line)
                }
                if rows.isEmpty { Output.emit("the outbox is empty") }
            }
        }
    }

    struct Failures: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Messages the relay refused for good, with the recipient and the relay's reply.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var filter: Filter
        @Flag(name: .long, help: "JSON output.") var json = false

        func run() throws {
            try guarded {
                let rows = try global.context().outbox().failures(queue: filter.queue, kind: try filter.parsedKind())
                if json {
                    Output.emit(try Output.json(rows.map(OutboxFailureJSON.init)))
                    return
                }
                for f in rows {
                    Output.emit("\(f.id)\t\(Output.one(f.queue))\t\(f.kind.rawValue)\t\(Output.one(f.recipient))\t"
                        + "\(f.attempts) attempts\t\(Output.one(f.reply ?? "-"))")
                }
                Output.emit("\(rows.count) failed")
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Requeue the failed messages; the next send (or poll, or serve) sends them.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var filter: Filter

        func run() throws {
            try guarded {
                let n = try global.context().outbox().retryFailed(queue: filter.queue, kind: try filter.parsedKind())
                Output.emit("requeued \(n) messages; run vigie outbox send to send them now")
            }
        }
    }

    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send what is due now in every enabled outbox queue (or one), then wait out the 4xx retries.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: "Only this queue (file name in queues/ without .toml).") var queue: String?
        @Flag(name: .long, help: "Exit when only deferred messages remain (the next send retries them).")
        var noWait = false
        @Flag(name: .long, help: "If another runner is sending this queue, wait for it instead of exiting 75.")
        var wait = false

        func run() throws {
            try guarded {
                let ctx = try global.context()
                let senders = try queue.map { [try ctx.outboxSender(queue: $0)] } ?? ctx.outboxSenders()
                if senders.isEmpty { Output.emit("no enabled outbox queue; nothing to send") }
                let stop = StopSignal()
                Signals.onTerminate { stop.stop() }
                for sender in senders {
                    let s = try sender.run(stop: stop, waitForDeferred: !noWait, waitForLease: wait)
                    Output.emit(s.summary)
                    if stop.isStopped {
                        Output.emit("interrupted: run the same command again to go on")
                        throw ExitCode(Signals.exitStatus ?? 130)
                    }
                }
            }
        }
    }
}

/// One row of `outbox status --json`.
struct OutboxCountsJSON: Encodable {
    var counts: OutboxCounts

    enum CodingKeys: String, CodingKey {
        case queue, kind, pending, deferred, sent, failed, skipped, pruned
        case nextAttemptAt = "next_attempt_at"
        case oldestUnsentAt = "oldest_unsent_at"
    }

    func encode(to encoder: any Encoder) throws {
        let s = counts
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(s.queue, forKey: .queue)
        try c.encode(s.kind.rawValue, forKey: .kind)
        try c.encode(s.pending, forKey: .pending)
        try c.encode(s.deferred, forKey: .deferred)
        try c.encode(s.sent, forKey: .sent)
        try c.encode(s.failed, forKey: .failed)
        try c.encode(s.skipped, forKey: .skipped)
        try c.encode(s.pruned, forKey: .pruned)
        try c.encode(s.nextAttemptAt, forKey: .nextAttemptAt)
        try c.encode(s.oldestUnsentAt, forKey: .oldestUnsentAt)
    }
}

/// One message of `outbox failures --json`.
struct OutboxFailureJSON: Encodable {
    var failure: OutboxFailure

    enum CodingKeys: String, CodingKey {
        case id, queue, kind, recipient, attempts, code, reply
        case subjectRef = "subject_ref"
        case failedAt = "failed_at"
    }

    func encode(to encoder: any Encoder) throws {
        let f = failure
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(f.id, forKey: .id)
        try c.encode(f.queue, forKey: .queue)
        try c.encode(f.kind.rawValue, forKey: .kind)
        try c.encode(f.recipient, forKey: .recipient)
        try c.encode(f.subjectRef, forKey: .subjectRef)
        try c.encode(f.attempts, forKey: .attempts)
        try c.encode(f.code, forKey: .code)
        try c.encode(f.reply, forKey: .reply)
        try c.encode(f.failedAt, forKey: .failedAt)
    }
}
