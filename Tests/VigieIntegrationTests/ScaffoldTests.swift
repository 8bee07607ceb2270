import Foundation
import Testing

@Suite struct ScaffoldTests {
    /// `vigie init` writes exactly the shipped defaults (deploy/dev/embed-defaults.py keeps them in sync).
    @Test func initWritesTheShippedFiles() throws {
        let dir = NSTemporaryDirectory() + "vigie-init-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try VigieCLI.run(["init", dir])
        #expect(r.status == 0, "\(r.stderr)")
        let root = LocalServers.repoRoot.path
        var pairs = [("vigie.toml", "deploy/vigie.example.toml"), ("offences.toml", "deploy/offences.toml")]
        for folder in ["queues", "templates"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)
            where !name.hasPrefix(".") {
                pairs.append(("\(folder)/\(name)", "\(folder)/\(name)"))
            }
        }
        for (written, shipped) in pairs {
            let a = try String(contentsOfFile: dir + "/" + written, encoding: .utf8)
            let b = try String(contentsOfFile: root + "/" + shipped, encoding: .utf8)
            #expect(a == b, "\(written) differs from \(shipped): run deploy/dev/embed-defaults.py")
        }
        // A second init refuses to overwrite.
        let again = try VigieCLI.run(["init", dir])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already exists"))
    }
}
