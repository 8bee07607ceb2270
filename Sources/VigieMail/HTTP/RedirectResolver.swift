import CCurl
import VigieCore

/// Follows a short link's HTTP redirects hop by hop with libcurl, so a reported `bit.ly/…` is identified by the
/// content it leads to.
///
/// Each hop asks `HEAD` first and falls back to `GET` (aborting as soon as the body starts) when the server refuses
/// `HEAD` (4xx/5xx) or fails on it; only http(s) is spoken and followed, TLS is verified, no cookie is kept. Each
/// request is bounded by `timeoutSeconds` (connect and total) and the whole resolution by twice that. `resolve`
/// blocks: call it from a thread of your own, not from the cooperative pool.
public final class RedirectResolver: Sendable {
    /// Limit for each request, connect included.
    public let timeoutSeconds: Int
    /// Redirects followed at most; one more is a failure.
    public let maxHops: Int
    /// Sent as `User-Agent`.
    public let userAgent: String

    /// A resolver with short limits suited to resolving links during intake.
    public init(timeoutSeconds: Int = 5, maxHops: Int = 5, userAgent: String = "Vigie/1.0") {
        self.timeoutSeconds = max(1, timeoutSeconds)
        self.maxHops = max(0, maxHops)
        self.userAgent = userAgent
    }

    /// Follows the redirects of `url` and tells where they end, or why they could not be followed.
    public func resolve(_ url: String) -> RedirectResult {
        follow(url).result
    }

    /// Like `resolve`, with the HTTP status of the final answer (0 when there was none): a link checker tells a
    /// working page from a 404 with it.
    public func follow(_ url: String) -> (result: RedirectResult, status: Int) {
        guard Self.isHTTP(url) else { return (.failed(reason: "not an http(s) URL: \(url)"), 0) }
        do {
            try CurlError.ensureGlobalInit()
        } catch {
            return (.failed(reason: "\(error)"), 0)
        }
        guard let handle = curl_easy_init() else { return (.failed(reason: "curl_easy_init failed"), 0) }
        defer { curl_easy_cleanup(handle) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))

        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(2 * timeoutSeconds)
        var current = url
        var visited: Set<String> = [url]
        do {
            try configure(handle, errorBuffer: errorBuffer)
            for hop in 0...maxHops {
                let remaining = clock.now.duration(to: deadline)
                guard remaining > .zero else {
                    return (.failed(reason: "gave up after \(2 * timeoutSeconds) s at \(current)"), 0)
                }
                let budget = min(remaining, .seconds(timeoutSeconds))
                let response = try request(current, handle, errorBuffer: errorBuffer, budget: budget)
                guard (300..<400).contains(response.status), let next = response.location, !next.isEmpty else {
                    return (.resolved(finalURL: current, hops: hop), response.status)
                }
                guard Self.isHTTP(next) else { return (.failed(reason: "redirect to a non-http(s) URL: \(next)"), 0) }
                guard hop < maxHops else {
                    return (.failed(reason: "more than \(maxHops) redirects, last to \(next)"), 0)
                }
                guard visited.insert(next).inserted else { return (.failed(reason: "redirect loop at \(next)"), 0) }
                current = next
            }
        } catch {
            return (.failed(reason: "\(error)"), 0)
        }
        return (.failed(reason: "more than \(maxHops) redirects"), 0)
    }

    // MARK: - libcurl

    private struct Response {
        var status: Int
        var location: String?
    }

    /// Options shared by every request of one resolution.
    private func configure(_ handle: UnsafeMutableRawPointer, errorBuffer: UnsafeMutablePointer<CChar>) throws {
        try CurlError.check(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "set error buffer")
        try CurlError.check(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "set NOSIGNAL")
        try CurlError.check(ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0), "set FOLLOWLOCATION")
        try CurlError.check(ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"), "set PROTOCOLS_STR")
        try CurlError.check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1), "set SSL_VERIFYPEER")
        try CurlError.check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2), "set SSL_VERIFYHOST")
        try CurlError.check(ccurl_setopt_string(handle, CURLOPT_USERAGENT, userAgent), "set USERAGENT")
        try CurlError.check(
            ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, timeoutSeconds * 1000), "set CONNECTTIMEOUT")
        // Any body byte means the headers are in: stop there (the transfer then ends with CURLE_WRITE_ERROR).
        try CurlError.check(ccurl_setopt_write_callback(handle) { _, _, _, _ in 0 }, "set WRITEFUNCTION")
    }

    /// One hop: HEAD, then GET when HEAD is refused or fails other than by unreachability.
    private func request(
        _ url: String, _ handle: UnsafeMutableRawPointer, errorBuffer: UnsafeMutablePointer<CChar>,
        budget: Duration
    ) throws -> Response {
        let milliseconds = Int(budget.components.seconds * 1000 + budget.components.attoseconds / 1_000_000_000_000_000)
        try CurlError.check(ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, milliseconds)), "set TIMEOUT")
        try CurlError.check(ccurl_setopt_string(handle, CURLOPT_URL, url), "set URL \(url)")

        try CurlError.check(ccurl_setopt_long(handle, CURLOPT_NOBODY, 1), "set NOBODY")
        errorBuffer.pointee = 0
        let headCode = curl_easy_perform(handle)
        if headCode == CURLE_OK {
            let head = try response(handle)
            if head.status < 400 { return head }
        } else if Self.isUnreachable(headCode) {
            throw CurlError(headCode, "HEAD \(url)", errorBuffer: errorBuffer)
        }

        try CurlError.check(ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1), "set HTTPGET")
        errorBuffer.pointee = 0
        let getCode = curl_easy_perform(handle)
        if getCode != CURLE_OK && getCode != CURLE_WRITE_ERROR {
            throw CurlError(getCode, "GET \(url)", errorBuffer: errorBuffer)
        }
        return try response(handle)
    }

    private func response(_ handle: UnsafeMutableRawPointer) throws -> Response {
        var status = 0
        try CurlError.check(ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status), "get RESPONSE_CODE")
        var location: UnsafeMutablePointer<CChar>?
        try CurlError.check(ccurl_getinfo_string(handle, CURLINFO_REDIRECT_URL, &location), "get REDIRECT_URL")
        return Response(status: status, location: location.map { String(cString: $0) })
    }

    /// Failures a GET would meet just the same: no point in a second attempt.
    private static func isUnreachable(_ code: CURLcode) -> Bool {
        code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT
            || code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT
            || code == CURLE_PEER_FAILED_VERIFICATION
    }

    private static func isHTTP(_ url: String) -> Bool {
        let lower = url.prefix(8).lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }
}
