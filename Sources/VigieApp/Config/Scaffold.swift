import Foundation
import VigieCore

/// `vigie init`: writes a working example configuration.
public enum Scaffold {
    /// Writes vigie.toml, queues/ and templates/ into `dir`; refuses to overwrite unless asked. Returns the paths.
    public static func write(into dir: String, overwrite: Bool) throws -> [String] {
        let fm = FileManager.default
        var written: [String] = []
        if !overwrite {
            for f in DefaultFiles.all {
                let p = (dir as NSString).appendingPathComponent(f.path)
                if fm.fileExists(atPath: p) {
                    throw ConfigError("\(p) already exists; pass --force to overwrite, or choose another folder")
                }
            }
        }
        for f in DefaultFiles.all {
            let p = (dir as NSString).appendingPathComponent(f.path)
            do {
                try fm.createDirectory(
                    atPath: (p as NSString).deletingLastPathComponent,
                    withIntermediateDirectories: true)
                try f.content.write(toFile: p, atomically: true, encoding: .utf8)
            } catch {
                throw ConfigError("cannot write \(p): \(error.localizedDescription)")
            }
            written.append(p)
        }
        return written
    }
}
