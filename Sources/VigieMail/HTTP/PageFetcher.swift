import CCurl
import Foundation
import VigieCore

/// Fetches a reported page once, for evidence, with libcurl: GET, redirects followed (http and https only, 5 at most),
/// no cookie kept or sent, TLS verified, a short timeout, and the body read up to `maxBytes` (the transfer stops
/// there). Every header block is kept, redirects included. Unless `allowPrivateAddresses`, an address of this machine
/// or its networks (loopback, private, link-local, cloud metadata) is refused at connect time, after DNS and at every
/// redirect: a citizen's link must not make the server read its own network. `fetch` blocks: call it from a thread.
public final class PageFetcher: Sendable {
    public let timeoutSeconds: Int
    public let maxBytes: Int
    public let userAgent: String
    public let allowPrivateAddresses: Bool

    public init(
        timeoutSeconds: Int = 10, maxBytes: Int = 2 << 20, userAgent: String = "Vigie/1.0 (evidence)",
        allowPrivateAddresses: Bool = false
    ) {
        self.timeoutSeconds = max(1, timeoutSeconds)
        self.maxBytes = max(0, maxBytes)
        self.userAgent = userAgent
        self.allowPrivateAddresses = allowPrivateAddresses
    }

    /// The page as it answered now; a failure is a snapshot too (status 0, its error), never a throw.
    public func fetch(_ url: String, now: Date = Date()) -> PageSnapshot {
        var snapshot = PageSnapshot(
            url: url, fetchedAt: now, status: 0, finalURL: nil, headers: "", body: [], truncated: false,
            error: nil)
        let lower = url.prefix(8).lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            snapshot.error = "not an http(s) URL"
            return snapshot
        }
        do {
            try CurlError.ensureGlobalInit()
        } catch {
            snapshot.error = "\(error)"
            return snapshot
        }
        guard let handle = curl_easy_init() else {
            snapshot.error = "curl_easy_init failed"
            return snapshot
        }
        defer { curl_easy_cleanup(handle) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        let sink = FetchSink(limit: maxBytes)
        let pointer = Unmanaged.passUnretained(sink).toOpaque()
        let refused = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        defer { refused.deallocate() }
        refused.pointee = 0
        var setup: [(CURLcode, String)] = [
            (ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER"),
            (ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL"),
            (ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1), "FOLLOWLOCATION"),
            (ccurl_setopt_long(handle, CURLOPT_MAXREDIRS, 5), "MAXREDIRS"),
            (ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"), "PROTOCOLS_STR"),
            (ccurl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"), "REDIR_PROTOCOLS_STR"),
            (ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1), "SSL_VERIFYPEER"),
            (ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2), "SSL_VERIFYHOST"),
            (ccurl_setopt_string(handle, CURLOPT_USERAGENT, userAgent), "USERAGENT"),
            (ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, timeoutSeconds * 1000), "CONNECTTIMEOUT"),
            (ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutSeconds * 1000), "TIMEOUT"),
            (ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1), "HTTPGET"),
            (ccurl_setopt_string(handle, CURLOPT_URL, url), "URL"),
            (ccurl_setopt_write_callback(handle, fetchWriteCallback), "WRITEFUNCTION"),
            (ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, pointer), "WRITEDATA"),
            (ccurl_setopt_header_callback(handle, fetchHeaderCallback), "HEADERFUNCTION"),
            (ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, pointer), "HEADERDATA"),
        ]
        if !allowPrivateAddresses {
            setup.append((ccurl_setopt_public_addresses_only(handle, refused), "OPENSOCKETFUNCTION"))
        }
        for (code, what) in setup where code != CURLE_OK {
            snapshot.error = "cannot set \(what): \(CurlError.describe(code, errorBuffer: errorBuffer))"
            return snapshot
        }
        let code = withExtendedLifetime(sink) { curl_easy_perform(handle) }
        var status = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var effective: UnsafeMutablePointer<CChar>?
        _ = ccurl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &effective)
        snapshot.status = status
        snapshot.finalURL = status > 0 ? effective.map { String(cString: $0) } : nil
        snapshot.headers = String(decoding: sink.headers, as: UTF8.self)
        snapshot.body = sink.body
        snapshot.truncated = sink.truncated
        if refused.pointee != 0 {
            snapshot.error =
                "refused: the address is loopback, private or link-local (a page of this machine or its network)"
        } else if code != CURLE_OK && !(code == CURLE_WRITE_ERROR && sink.truncated) {
            snapshot.error = CurlError.describe(code, errorBuffer: errorBuffer)
        }
        return snapshot
    }
}

/// What one transfer received; touched only by libcurl's callbacks on the fetching thread.
private final class FetchSink {
    let limit: Int
    var headers: [UInt8] = []
    var body: [UInt8] = []
    var truncated = false

    init(limit: Int) { self.limit = limit }

    /// Keeps the body up to the limit; past it, stops the transfer (0 makes libcurl end with CURLE_WRITE_ERROR).
    func write(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let room = limit - body.count
        if bytes.count > room {
            body.append(contentsOf: bytes.prefix(max(0, room)))
            truncated = true
            return 0
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    /// A redirect's body is not the page's: a new status line starts the kept body anew.
    func header(_ bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.starts(with: Array("HTTP/".utf8)) { body.removeAll() }
        headers.append(contentsOf: bytes)
    }
}

private func fetchWriteCallback(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let userdata else { return 0 }
    let sink = Unmanaged<FetchSink>.fromOpaque(userdata).takeUnretainedValue()
    return data.withMemoryRebound(to: UInt8.self, capacity: size * count) {
        sink.write(UnsafeBufferPointer(start: $0, count: size * count))
    }
}

private func fetchHeaderCallback(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let userdata else { return 0 }
    let sink = Unmanaged<FetchSink>.fromOpaque(userdata).takeUnretainedValue()
    data.withMemoryRebound(to: UInt8.self, capacity: size * count) {
        sink.header(UnsafeBufferPointer(start: $0, count: size * count))
    }
    return size * count
}
