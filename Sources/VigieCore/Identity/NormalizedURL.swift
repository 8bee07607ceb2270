/// An http(s) URL taken apart and normalised: the common ground of the platform rules and of the generic `web:` key.
struct NormalizedURL: Sendable {
    /// Lowercased, IDNA-encoded, without `www.` nor trailing dot.
    var host: String
    /// Only a port other than 80 and 443 (http and https are one identity).
    var port: String?
    /// `/` or `/a/b`: percent-encoding normalised, dot-segments resolved, no trailing slash.
    var path: String
    /// Parameters in written order, percent-encoding normalised, empty ones dropped, tracking ones still present.
    var query: [QueryItem]
    /// The path inside a legacy `#!/user/status/1` fragment (old Twitter links), normalised like `path`.
    var hashbangPath: String?

    /// Non-empty path segments.
    var segments: [Substring] { Self.split(path) }

    /// Splits on `/` byte-wise (String.split walks Characters, which costs here).
    static func split(_ path: String) -> [Substring] {
        var result: [Substring] = []
        let u = path.utf8
        var start = u.startIndex
        var i = start
        while i != u.endIndex {
            if u[i] == UInt8(ascii: "/") {
                if i != start { result.append(Substring(u[start..<i])) }
                start = u.index(after: i)
            }
            i = u.index(after: i)
        }
        if start != u.endIndex { result.append(Substring(u[start...])) }
        return result
    }

    /// The value of the first parameter named exactly `name`.
    func value(_ name: String) -> String? {
        for item in query where item.name == name { return item.value }
        return nil
    }
}

/// One `name=value` query parameter; `value` is nil when the parameter had no `=`.
struct QueryItem: Sendable, Hashable {
    var name: String
    var value: String?
}
