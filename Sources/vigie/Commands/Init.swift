import ArgumentParser
import Foundation
import Logging
import VigieApp
import VigieCore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a working example configuration (vigie.toml, queues/, templates/) into DIR.")

    @Argument(help: "Target folder (default: the current folder).")
    var dir: String = "."

    @Flag(name: .long, help: "Overwrite existing files.")
    var force = false

    func run() throws {
        try guarded {
            let written = try Scaffold.write(into: dir, overwrite: force)
            for f in written { Output.emit("wrote \(f)") }
            // The database too: `init` is a first run, so read commands work at once (and show nothing yet).
            let ctx = try AppContext.load(
                configPath: (dir as NSString).appendingPathComponent("vigie.toml"),
                logger: Logger(label: "vigie"))
            Output.emit("database \(try ctx.prepareDatabase())")
            Output.emit(
                "next: export the secrets the queues name (VIGIE_IMAP_PASSWORD, VIGIE_NEWSLETTER_SECRET), then "
                    + "vigie --config \((dir as NSString).appendingPathComponent("vigie.toml")) config check")
        }
    }
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect the configuration.", subcommands: [Check.self, Keys.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate vigie.toml and every queue file; exit non-zero naming the first problem.",
            discussion: "Checks everything a command would refuse later, secrets included: the intake passwords and, "
                + "for an enabled newsletter queue, its signing secret (secret_env must be set in this shell).")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try guarded {
                let ctx = try global.context(requireSecrets: true)
                try ctx.checkSecrets()
                Output.emit("ok: \(ctx.config.file)")
                for q in ctx.queues {
                    switch q {
                    case .intake(let i):
                        Output.emit(
                            "  queue \(i.name): intake (\(i.role.rawValue)) "
                                + "imap://\(i.endpoint.host):\(i.endpoint.port)"
                                + " mailbox \(i.mailbox)\(i.enabled ? "" : " [disabled]")")
                    case .outbound(let o):
                        Output.emit("  queue \(o.name): \(o.kind.rawValue)\(o.enabled ? "" : " [disabled]")")
                    }
                }
                Output.emit("  database: \(ctx.config.databasePath)")
            }
        }
    }

    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe every key of vigie.toml and of each queue kind: type, range, default, meaning.",
            discussion: "Needs no configuration file. --markdown prints the tables the README shows.")
        @OptionGroup var global: GlobalOptions
        @Flag(name: .long, help: "Markdown tables (the README's key tables).")
        var markdown = false

        func run() throws {
            let render = markdown ? ConfigKeyTable.markdown : ConfigKeyTable.text
            let text = render(ConfigKeyTable.mainGroups) + "\n" + render(ConfigKeyTable.queueGroups)
            Output.emit(String(text.dropLast()))
        }
    }
}
