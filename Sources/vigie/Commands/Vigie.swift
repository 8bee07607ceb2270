import ArgumentParser
import Foundation
import Logging
import VigieApp
import VigieCore

/// The `vigie` command line: parsing only; each subcommand calls one use case of VigieApp.
struct Vigie: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigie",
        abstract: "Mail intake of citizen reports, moderation digests and the daily newsletter.",
        subcommands: [
            Init.self, ConfigCommand.self, Poll.self, Reports.self, Clusters.self, Accounts.self,
            Subscribers.self, Newsletter.self, Outbox.self, DigestCommand.self, Stats.self,
            Serve.self, Users.self,
        ])
}

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $VIGIE_CONFIG, else ./vigie.toml).")
    var config: String?

    @Flag(name: .long, help: "Log debug details.")
    var verbose = false

    /// Bootstraps logging once, then loads the configuration.
    func context(requireSecrets: Bool = false) throws -> AppContext {
        bootstrapLogging(verbose: verbose)
        return try AppContext.load(configPath: config, requireSecrets: requireSecrets, logger: Logger(label: "vigie"))
    }
}

nonisolated(unsafe) private var loggingBootstrapped = false

/// How log lines are written on stderr.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    /// swift-log's text lines, for people.
    case text
    /// One JSON object per line (ts, level, label, message, metadata), for journald and Loki.
    case json
}

func bootstrapLogging(verbose: Bool, format: LogFormat = .text) {
    guard !loggingBootstrapped else { return }
    loggingBootstrapped = true
    LoggingSystem.bootstrap { label in
        var h: any LogHandler =
            switch format {
            case .text: StreamLogHandler.standardError(label: label)
            case .json: JSONLogHandler(label: label)
            }
        h.logLevel = verbose ? .debug : .info
        return SafeLogHandler(inner: h)
    }
}

/// One JSON object per line on stderr: `ts` (ISO 8601, milliseconds, UTC), `level`, `label`, `message`, `metadata`.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    /// One write per line under one lock: lines of concurrent threads never interleave.
    private static let output = NSLock()

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let m = event.metadata { all.merge(m) { _, new in new } }
        let object: [String: Any] = [
            "ts": Self.timestamp(Date()), "level": event.level.rawValue, "label": label,
            "message": event.message.description,
            "metadata": all.mapValues { "\($0)" },
        ]
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        line.append(0x0A)
        Self.output.withLock { FileHandle.standardError.write(line) }
    }

    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }
}

/// Log lines quote URLs, parse errors and relay replies that citizens or servers wrote: their messages and metadata
/// are escaped like every other output (`SafeText`), so a log read on a terminal obeys no control sequence.
struct SafeLogHandler: LogHandler {
    var inner: any LogHandler

    func log(event: LogEvent) {
        var safe = event
        safe.message = Logger.Message(stringLiteral: SafeText.line(event.message.description))
        safe.metadata = event.metadata?.mapValues { .string(SafeText.line($0.description)) }
        inner.log(event: safe)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }
}

/// Runs a command body, turning any error into one line on stderr and a non-zero exit.
func guarded<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as CleanExit {
        throw e
    } catch let e as LeaseError {
        // Another runner holds the job: EX_TEMPFAIL, so schedulers retry later instead of alerting.
        FileHandle.standardError.write(Data("vigie: \(oneLine(e))\n".utf8))
        if case .held = e { throw ExitCode(LeaseError.busyExitCode) }
        throw ExitCode(1)
    } catch {
        Output.warn("vigie: " + SafeText.line(oneLine(error)))
        throw ExitCode(1)
    }
}

/// The first line of an error's description, with a count of the others (an error is one line on stderr).
func oneLine(_ error: any Error) -> String {
    let lines = "\(error)".split(separator: "\n", omittingEmptySubsequences: true)
    guard let first = lines.first else { return "\(type(of: error))" }
    return lines.count > 1 ? "\(first) (and \(lines.count - 1) more problems)" : String(first)
}
