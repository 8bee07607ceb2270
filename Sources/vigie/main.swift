import ArgumentParser

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

Vigie.main(reorderedArguments(Array(CommandLine.arguments.dropFirst())))
