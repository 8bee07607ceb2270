import ArgumentParser
import Foundation
import VigieApp
import VigieCore
import VigieWeb

struct Users: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accounts of the moderators' console (bcrypt passwords, roles moderator and admin).",
        subcommands: [Add.self, List.self, Disable.self, Enable.self, Passwd.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account; the password is read from stdin, or generated and printed once.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Account name (letters, digits, '.', '-', '_').") var name: String
        @Option(name: .long, help: "moderator or admin.") var role: String = "moderator"
        @Flag(name: .long, help: "Generate the password and print it once (the default when stdin is a terminal).")
        var generate = false

        func run() throws {
            try guarded {
                guard let r = ConsoleRole(rawValue: role) else {
                    throw ValidationError("unknown role \"\(role)\"; use moderator or admin")
                }
                let (password, generated) = try readPassword(generate: generate)
                try global.context().console(hasher: BcryptHasher()).addUser(name: name, role: r, password: password)
                Output.emit(
                    generated
                        ? "account \(name) (\(r.rawValue)) created; password: \(password)"
                        : "account \(name) (\(r.rawValue)) created")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accounts, their role and last login.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try guarded {
                let users = try global.context().console(hasher: BcryptHasher(cost: 4)).users()
                let f = ISO8601DateFormatter()
                var lines = ["NAME\tROLE\tSTATE\tLAST LOGIN"]
                for u in users {
                    lines.append(
                        "\(u.name)\t\(u.role.rawValue)\t\(u.disabled ? "disabled" : "active")\t"
                            + (u.lastLoginAt.map { f.string(from: $0) } ?? "never"))
                }
                Output.emit(lines.joined(separator: "\n"))
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account; its sessions end at once.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Account name.") var name: String

        func run() throws {
            try guarded {
                try global.context().console(hasher: BcryptHasher(cost: 4)).setDisabled(name: name, true)
                Output.emit("account \(name) disabled")
            }
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account again.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Account name.") var name: String

        func run() throws {
            try guarded {
                try global.context().console(hasher: BcryptHasher(cost: 4)).setDisabled(name: name, false)
                Output.emit("account \(name) enabled")
            }
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a new password (stdin, or generated and printed once); the account's sessions end.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Account name.") var name: String
        @Flag(name: .long, help: "Generate the password and print it once (the default when stdin is a terminal).")
        var generate = false

        func run() throws {
            try guarded {
                let (password, generated) = try readPassword(generate: generate)
                try global.context().console(hasher: BcryptHasher()).setPassword(name: name, password: password)
                Output.emit(generated ? "password of \(name) changed: \(password)" : "password of \(name) changed")
            }
        }
    }
}

/// The password on stdin's first line, or a generated one when asked or when stdin is a terminal.
private func readPassword(generate: Bool) throws -> (String, Bool) {
    if generate || isatty(0) != 0 { return (ConsoleService.generatePassword(), true) }
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw ValidationError("no password on stdin; pipe one line, or use --generate")
    }
    return (line, false)
}
