import Foundation

/// Runs the built `vigie` executable, as operators and CI do.
enum VigieCLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `$VIGIE_BIN`, else the debug build next to the tests.
    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["VIGIE_BIN"] { return b }
        return LocalServers.repoRoot.appendingPathComponent(".build/debug/vigie").path
    }

    /// Runs to completion and captures both streams.
    @discardableResult
    static func run(
        _ arguments: [String], config: String? = nil, environment: [String: String] = [:],
        stdin: String? = nil
    ) throws -> Result {
        let p = try start(arguments, config: config, environment: environment)
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes fully before waiting, so a chatty child never blocks on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box()
        let group = DispatchGroup()
        group.enter()
        let reader = out.fileHandleForReading
        DispatchQueue.global().async {
            outBox.data = reader.readDataToEndOfFile()
            group.leave()
        }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let outData = outBox.data
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A process ready to run (not started), for tests that signal it.
    static func start(_ arguments: [String], config: String?, environment: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = (config.map { ["--config", $0] } ?? []) + arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "VIGIE_CONFIG")
        for (k, v) in environment { env[k] = v }
        p.environment = env
        return p
    }

    /// A fresh `vigie init` folder whose reports queue reads `user` on the local Dovecot; returns the config path.
    static func initConfig(user: String, processed: String = "Archive", extraQueueKeys: String = "") throws -> String {
        let dir = NSTemporaryDirectory() + "vigie-cli-" + UUID().uuidString
        let r = try run(["init", dir])
        guard r.status == 0 else { throw LocalServers.CommandFailed(description: "vigie init: \(r.stderr)") }
        let queue = """
            kind = "intake"
            role = "reports"
            url = "imap://127.0.0.1:\(LocalServers.imapPort)"
            user = "\(user)"
            password = "\(LocalServers.password)"
            processed_mailbox = "\(processed)"
            poll_interval_seconds = 5
            \(extraQueueKeys)
            """
        try queue.write(toFile: dir + "/queues/reports.toml", atomically: true, encoding: .utf8)
        return dir + "/vigie.toml"
    }
}
