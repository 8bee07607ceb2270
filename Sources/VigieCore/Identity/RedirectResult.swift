/// Where a short link led: identification then runs on `finalURL`.
public enum RedirectResult: Sendable, Hashable {
    /// The URL that answered without a further redirect, reached after `hops` redirects.
    case resolved(finalURL: String, hops: Int)
    /// No final URL: network error, timeout, too many hops, a loop or a redirect to a non-http(s) scheme.
    case failed(reason: String)
}
