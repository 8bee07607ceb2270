/// A link that only carries another one (a mail scanner's rewrite, a platform's exit page): the content is the
/// target, so identity unwraps it first; the report keeps the URL as the citizen wrote it.
public struct RedirectWrapper: Sendable, Hashable {
    /// How the target is written inside the wrapper.
    public enum Encoding: Sendable, Hashable {
        /// A percent-encoded query parameter (Safe Links `url=`, Google `q=`, Facebook `u=` …).
        case parameter
        /// Proofpoint URL Defense v2: the `u=` parameter with `-` standing for `%` and `_` for `/`.
        case proofpointV2
        /// Proofpoint URL Defense v3: `/v3/__URL__;BASE64!…`, each `*` in URL taking characters from BASE64.
        case proofpointV3
    }

    /// A configured wrapper that cannot be used, worded for the operator.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        /// What is wrong and what to write instead.
        public var description: String
    }

    /// `l.facebook.com`, `*.safelinks.protection.outlook.com` (any subdomain) or `google.*` (any country domain);
    /// lowercase, without `www.`.
    public let host: String
    /// The normalised path it answers on (`/l.php`, a prefix for Proofpoint v3); nil for any path.
    public let path: String?
    /// The parameters that may carry the target, tried in order.
    public let parameters: [String]
    /// How the target is written.
    public let encoding: Encoding

    /// Nested wrappers (Safe Links around Proofpoint around `l.facebook.com`) are unwrapped at most this many times.
    public static let maxDepth = 5

    /// A built-in wrapper, trusted as written.
    init(_ host: String, path: String?, _ parameters: [String] = [], encoding: Encoding = .parameter) {
        self.host = host
        self.path = path
        self.parameters = parameters
        self.encoding = encoding
    }

    /// A wrapper from configuration (`{ host = "…", param = "…", path = "…" }`), checked.
    public init(host: String, parameter: String, path: String? = nil) throws(Invalid) {
        var h = host.lowercased()
        if h.hasPrefix("www.") { h.removeFirst(4) }
        let name = h.hasPrefix("*.") ? h.dropFirst(2) : Substring(h)
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let validLabels =
            labels.count >= 2
            && labels.allSatisfy { label in
                !label.isEmpty && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.utf8.allSatisfy { c in
                        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
                            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                            || c == UInt8(ascii: "-")
                    }
            }
        guard validLabels else {
            throw Invalid(
                description: "host \"\(host)\" is not a host name; write it like \"links.example.org\", or "
                    + "\"*.example.org\" for every subdomain")
        }
        let forbidden = " &=?#/".utf8
        guard !parameter.isEmpty, !parameter.utf8.contains(where: { forbidden.contains($0) }) else {
            throw Invalid(
                description: "param \"\(parameter)\" is not a query parameter name; write the name that carries "
                    + "the link, such as \"url\"")
        }
        if let path {
            guard path.hasPrefix("/"), !path.contains("?"), !path.contains("#") else {
                throw Invalid(description: "path \"\(path)\" must start with / and hold no ? nor #, such as \"/out\"")
            }
        }
        self.host = h
        self.path = path.map { p in
            var copy = p
            return copy.withUTF8 { URLNormalizer.normalizePath($0, 0, $0.count) }
        }
        self.parameters = [parameter]
        self.encoding = .parameter
    }

    /// The wrappers Vigie knows: mail scanners (Outlook Safe Links, Proofpoint) and platforms' exit pages.
    public static let builtIn: [RedirectWrapper] = [
        RedirectWrapper("*.safelinks.protection.outlook.com", path: nil, ["url"]),
        RedirectWrapper("*.safelinks.protection.office365.us", path: nil, ["url"]),
        RedirectWrapper("google.*", path: "/url", ["q", "url"]),
        RedirectWrapper("l.facebook.com", path: "/l.php", ["u"]),
        RedirectWrapper("lm.facebook.com", path: "/l.php", ["u"]),
        RedirectWrapper("l.messenger.com", path: "/l.php", ["u"]),
        RedirectWrapper("l.instagram.com", path: nil, ["u"]),
        RedirectWrapper("youtube.com", path: "/redirect", ["q"]),
        RedirectWrapper("m.youtube.com", path: "/redirect", ["q"]),
        RedirectWrapper("vk.com", path: "/away.php", ["to"]),
        RedirectWrapper("m.vk.com", path: "/away.php", ["to"]),
        RedirectWrapper("urldefense.proofpoint.com", path: "/v1/url", ["u"]),
        RedirectWrapper("urldefense.com", path: "/v1/url", ["u"]),
        RedirectWrapper("urldefense.proofpoint.com", path: "/v2/url", ["u"], encoding: .proofpointV2),
        RedirectWrapper("urldefense.com", path: "/v2/url", ["u"], encoding: .proofpointV2),
        RedirectWrapper("urldefense.proofpoint.com", path: "/v3/", encoding: .proofpointV3),
        RedirectWrapper("urldefense.com", path: "/v3/", encoding: .proofpointV3),
    ]

    /// True when this wrapper answers on `u`'s host and path.
    func matches(_ u: NormalizedURL) -> Bool {
        guard let path else { return true }
        return encoding == .proofpointV3 ? u.path.hasPrefix(path) : u.path == path
    }

    /// The URL this wrapper carries in `u` (written `raw`), or nil when it carries none that can be decoded.
    func target(of u: NormalizedURL, raw: String) -> String? {
        switch encoding {
        case .parameter:
            for name in parameters {
                if let value = u.value(name) {
                    let decoded = URLNormalizer.percentDecoded(value)
                    if URLNormalizer.normalize(decoded) != nil { return decoded }
                }
            }
            return nil
        case .proofpointV2:
            guard let value = u.value("u") else { return nil }
            let mapped = String(
                decoding: value.utf8.map { c in
                    c == UInt8(ascii: "-") ? UInt8(ascii: "%") : c == UInt8(ascii: "_") ? UInt8(ascii: "/") : c
                }, as: UTF8.self)
            return Proofpoint.unescapingAmpersands(URLNormalizer.percentDecoded(mapped))
        case .proofpointV3:
            return Proofpoint.decodeV3(raw)
        }
    }
}

/// The wrappers of a rule set, indexed by host so that a URL that is no wrapper costs one lookup.
struct RedirectWrapperIndex: Sendable {
    private var exact: [String: [RedirectWrapper]] = [:]
    /// `*.suffix` wrappers, keyed by `.suffix`.
    private var suffixes: [(String, RedirectWrapper)] = []
    /// `name.*` wrappers, keyed by `name.`.
    private var prefixes: [(String, RedirectWrapper)] = []

    init(_ wrappers: [RedirectWrapper]) {
        for w in wrappers {
            if w.host.hasPrefix("*.") {
                suffixes.append((String(w.host.dropFirst(1)), w))
            } else if w.host.hasSuffix(".*") {
                prefixes.append((String(w.host.dropLast(1)), w))
            } else {
                exact[w.host, default: []].append(w)
            }
        }
    }

    /// The wrapper `u` is, if any.
    func wrapper(for u: NormalizedURL) -> RedirectWrapper? {
        if let list = exact[u.host] {
            for w in list where w.matches(u) { return w }
        }
        for (suffix, w) in suffixes where u.host.hasSuffix(suffix) && w.matches(u) { return w }
        // `google.*`: the country domain after the name is at most `com.br`, `co.uk` long.
        for (prefix, w) in prefixes
        where u.host.hasPrefix(prefix) && u.host.utf8.count <= prefix.utf8.count + 6 && w.matches(u) {
            return w
        }
        return nil
    }

    /// `url` with every wrapper around it removed (at most `RedirectWrapper.maxDepth`); a wrapper whose target cannot
    /// be decoded is left as it is.
    func unwrapped(_ u: NormalizedURL, raw: String) -> (url: NormalizedURL, text: String) {
        var current = u
        var text = raw
        for _ in 0..<RedirectWrapper.maxDepth {
            guard let w = wrapper(for: current), let target = w.target(of: current, raw: text),
                let next = URLNormalizer.normalize(target)
            else { break }
            current = next
            text = target
        }
        return (current, text)
    }
}
