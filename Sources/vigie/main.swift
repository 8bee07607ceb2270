import ArgumentParser
import Foundation

/// Global options may come before the subcommand (`vigie --config x.toml poll`): ArgumentParser wants them after it,
/// so they are moved to the end, where every subcommand's `GlobalOptions` reads them.
func reorderedArguments(_ args: [String]) -> [String] {
    var leading: [String] = []
    var rest = args
    while let first = rest.first {
        if first == "--verbose" {
            leading.append(first)
            rest.removeFirst()
        } else if first == "--config", rest.count >= 2 {
            leading += rest.prefix(2)
            rest.removeFirst(2)
        } else if first.hasPrefix("--config=") {
            leading.append(first)
            rest.removeFirst()
        } else {
            break
        }
    }
    return rest + leading
}

// Everything Vigie writes (the database and its WAL/SHM, `vigie init`'s files, HTML previews) holds citizens' and
// subscribers' addresses or secrets: created 0600/0700 for the running user whatever the caller's umask (systemd's
// default is 022). Set before anything opens a file.
umask(0o077)

Vigie.main(reorderedArguments(Array(CommandLine.arguments.dropFirst())))
