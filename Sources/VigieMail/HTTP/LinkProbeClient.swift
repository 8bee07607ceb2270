import CCurl
import VigieCore

/// Asks whether a URL still answers, with libcurl: `HEAD`, then `GET` reading at most `maxBodyBytes` when `HEAD`
/// is refused or fails; redirects followed (http(s) only, `maxRedirects` at most); no cookie kept; TLS verified;
/// every request bounded by `timeoutSeconds`. Blocking: call it from a thread of your own.
public final class LinkProbeClient: Sendable {
    public let timeoutSeconds: Int
    public let maxBodyBytes: Int
    public let maxRedirects: Int
    public let userAgent: String

    /// A client with short limits suited to rechecking notified contents.
    public init(timeoutSeconds: Int = 10, maxBodyBytes: Int = 16_384, maxRedirects: Int = 5, userAgent: String) {
        self.timeoutSeconds = max(1, timeoutSeconds)
        self.maxBodyBytes = max(0, maxBodyBytes)
        self.maxRedirects = max(0, maxRedirects)
        self.userAgent = userAgent
    }

    /// A page: `HEAD`, then `GET` unless `HEAD` said 2xx or 429 (asked to slow down) or the host was unreachable.
    public func probe(_ url: String) -> LinkProbe {
        perform(url, headFirst: true)
    }

    /// An API answer (oEmbed): one `GET`, its body read up to the limit.
    public func fetch(_ url: String) -> LinkProbe {
        perform(url, headFirst: false)
    }

    private func perform(_ url: String, headFirst: Bool) -> LinkProbe {
        let lower = url.prefix(8).lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            return LinkProbe(status: 0, finalURL: nil, failure: .other("not an http(s) URL"))
        }
        do {
            try CurlError.ensureGlobalInit()
        } catch {
            return LinkProbe(status: 0, finalURL: nil, failure: .other("\(error)"))
        }
        guard let handle = curl_easy_init() else {
            return LinkProbe(status: 0, finalURL: nil, failure: .other("curl_easy_init failed"))
        }
        defer { curl_easy_cleanup(handle) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        let sink = BodySink(limit: maxBodyBytes)
        do {
            try configure(handle, url: url, errorBuffer: errorBuffer, sink: sink)
            if headFirst {
                try CurlError.check(ccurl_setopt_long(handle, CURLOPT_NOBODY, 1), "set NOBODY")
                let code = curl_easy_perform(handle)
                if code == CURLE_OK {
                    let head = try answer(handle)
                    if (200..<300).contains(head.status) || head.status == 429 { return head }
                } else if let failure = Self.failure(code, errorBuffer: errorBuffer), !Self.worthGET(code) {
                    return LinkProbe(status: 0, finalURL: nil, failure: failure)
                }
                try CurlError.check(ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1), "set HTTPGET")
                errorBuffer.pointee = 0
            }
            let code = curl_easy_perform(handle)
            // WRITE_ERROR: the sink stopped reading at the limit, the status is in.
            if code != CURLE_OK && !(code == CURLE_WRITE_ERROR && sink.full) {
                var partial = (try? answer(handle)) ?? LinkProbe(status: 0, finalURL: nil)
                partial.failure = Self.failure(code, errorBuffer: errorBuffer)
                return partial
            }
            return try answer(handle)
        } catch {
            return LinkProbe(status: 0, finalURL: nil, failure: .other("\(error)"))
        }
    }

    private func configure(
        _ handle: UnsafeMutableRawPointer, url: String, errorBuffer: UnsafeMutablePointer<CChar>, sink: BodySink
    ) throws {
        try CurlError.check(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "set error buffer")
        try CurlError.check(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "set NOSIGNAL")
        try CurlError.check(ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1), "set FOLLOWLOCATION")
        try CurlError.check(ccurl_setopt_long(handle, CURLOPT_MAXREDIRS, maxRedirects), "set MAXREDIRS")
        try CurlError.check(ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"), "set PROTOCOLS_STR")
        try CurlError.check(
            ccurl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"), "set REDIR_PROTOCOLS_STR")
        try CurlError.check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1), "set SSL_VERIFYPEER")
        try CurlError.check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2), "set SSL_VERIFYHOST")
        try CurlError.check(ccurl_setopt_string(handle, CURLOPT_USERAGENT, userAgent), "set USERAGENT")
        try CurlError.check(
            ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, timeoutSeconds * 1000), "set CONNECTTIMEOUT")
        try CurlError.check(ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutSeconds * 1000), "set TIMEOUT")
        try CurlError.check(ccurl_setopt_string(handle, CURLOPT_URL, url), "set URL \(url)")
        try CurlError.check(
            ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque()),
            "set WRITEDATA")
        try CurlError.check(ccurl_setopt_write_callback(handle, linkProbeWrite), "set WRITEFUNCTION")
    }

    private func answer(_ handle: UnsafeMutableRawPointer) throws -> LinkProbe {
        var status = 0
        try CurlError.check(ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status), "get RESPONSE_CODE")
        var effective: UnsafeMutablePointer<CChar>?
        try CurlError.check(ccurl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &effective), "get EFFECTIVE_URL")
        return LinkProbe(status: status, finalURL: effective.map { String(cString: $0) })
    }

    /// The failure a transfer's code stands for (nil for `CURLE_OK`).
    static func failure(_ code: CURLcode, errorBuffer: UnsafePointer<CChar>) -> LinkProbe.Failure? {
        if code == CURLE_OK { return nil }
        let text = CurlError.describe(code, errorBuffer: errorBuffer)
        switch CurlError.kind(code) {
        case .timeout: return .timeout
        case .resolve, .connect, .tlsHandshake, .untrustedCertificate: return .unreachable(text)
        default:
            if code == CURLE_TOO_MANY_REDIRECTS { return .other("too many redirects") }
            return .other(text)
        }
    }

    /// Failures of `HEAD` a `GET` may not meet (a server that breaks on `HEAD`).
    private static func worthGET(_ code: CURLcode) -> Bool {
        switch CurlError.kind(code) {
        case .timeout, .resolve, .connect, .tlsHandshake, .untrustedCertificate, .configuration: return false
        default: return code != CURLE_TOO_MANY_REDIRECTS
        }
    }
}

/// Counts the body bytes of one transfer and stops it at the limit.
private final class BodySink: @unchecked Sendable {
    let limit: Int
    var received = 0
    var full = false
    init(limit: Int) { self.limit = limit }
}

private func linkProbeWrite(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?
)
    -> Int
{
    guard let user else { return 0 }
    let sink = Unmanaged<BodySink>.fromOpaque(user).takeUnretainedValue()
    let n = size * count
    sink.received += n
    if sink.received > sink.limit {
        sink.full = true
        return 0
    }
    return n
}
