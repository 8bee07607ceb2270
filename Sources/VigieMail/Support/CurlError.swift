import CCurl

/// The one place where libcurl result codes become Swift errors.
public struct CurlError: Error, CustomStringConvertible, Sendable {
    /// The `CURLcode` value.
    public var code: Int32
    /// What we were doing ("HEAD https://…", "SMTP send"), for logs.
    public var operation: String
    /// `curl_easy_strerror`, followed by the handle's error buffer when it says more.
    public var message: String

    /// Builds the error for a failed call (the error buffer is the one given to `CURLOPT_ERRORBUFFER`, if any).
    init(_ code: CURLcode, _ operation: String, errorBuffer: UnsafePointer<CChar>? = nil) {
        self.code = Int32(bitPattern: code.rawValue)
        self.operation = operation
        var message = String(cString: curl_easy_strerror(code))
        if let errorBuffer, errorBuffer.pointee != 0 {
            let detail = String(cString: errorBuffer)
            if detail != message { message += ": " + detail }
        }
        self.message = message
    }

    public var description: String { "\(operation) failed (curl \(code)): \(message)" }

    /// True when the peer could not be reached or answered too slowly: worth retrying later.
    public var isTransient: Bool {
        switch UInt32(bitPattern: code) {
        case CURLE_COULDNT_RESOLVE_HOST.rawValue, CURLE_COULDNT_RESOLVE_PROXY.rawValue,
            CURLE_COULDNT_CONNECT.rawValue, CURLE_OPERATION_TIMEDOUT.rawValue, CURLE_SEND_ERROR.rawValue,
            CURLE_RECV_ERROR.rawValue, CURLE_GOT_NOTHING.rawValue, CURLE_PARTIAL_FILE.rawValue:
            return true
        default:
            return false
        }
    }

    /// True for a timeout (connect or total).
    public var isTimeout: Bool { UInt32(bitPattern: code) == CURLE_OPERATION_TIMEDOUT.rawValue }

    /// Throws unless `code` is `CURLE_OK`.
    static func check(_ code: CURLcode, _ operation: String, errorBuffer: UnsafePointer<CChar>? = nil) throws {
        if code == CURLE_OK { return }
        throw CurlError(code, operation, errorBuffer: errorBuffer)
    }

    /// `curl_global_init` must run once, before any handle, and is not thread-safe: a static let runs it once.
    static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Makes sure libcurl is initialised; call before `curl_easy_init`.
    static func ensureGlobalInit() throws {
        try check(globalInit, "curl_global_init")
    }
}
