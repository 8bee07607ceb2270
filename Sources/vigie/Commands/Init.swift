import ArgumentParser
import Foundation
import Logging
import VigieApp

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
            for f in written { print("wrote \(f)") }
            // The database too: `init` is a first run, so read commands work at once (and show nothing yet).
            let ctx = try AppContext.load(configPath: (dir as NSString).appendingPathComponent("vigie.toml"),
                                          logger: Logger(label: "vigie"))
            print("database \(try ctx.store(create: true).path)")
            print("next: vigie --config \((dir as NSString).appendingPathComponent("vigie.toml")) config check")
        }
    }
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect the configuration.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate vigie.toml and every queue file; exit non-zero naming the first problem.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try guarded {
                let ctx = try global.context(requireSecrets: true)
                print("ok: \(ctx.config.file)")
                for q in ctx.queues {
                    switch q {
                    case .intake(let i):
                        print("  queue \(i.name): intake (\(i.role.rawValue)) imap://\(i.endpoint.host):\(i.endpoint.port)"
                              + " mailbox \(i.mailbox)\(i.enabled ? "" : " [disabled]")")
                    case .outbound(let o):
                        print("  queue \(o.name): \(o.kind.rawValue)\(o.enabled ? "" : " [disabled]")")
                    }
                }
                print("  database: \(ctx.config.databasePath)")
            }
        }
    }
}
