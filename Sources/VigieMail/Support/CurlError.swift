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
    public var isTransient: Bool { Self.isConnectionFailure(CURLcode(UInt32(bitPattern: code))) }

    /// True for a timeout (connect or total).
    public var isTimeout: Bool { Self.isTimeout(CURLcode(UInt32(bitPattern: code))) }

    /// `curl_easy_strerror` plus the handle's error buffer when it says more, and the code.
    static func describe(_ code: CURLcode, errorBuffer: UnsafePointer<CChar>?) -> String {
        let e = CurlError(code, "", errorBuffer: errorBuffer)
        return "\(e.message) (curl \(e.code))"
    }

    /// The connection could not be made or broke (TLS included): nothing is known about a message, retry later.
    static func isConnectionFailure(_ code: CURLcode) -> Bool {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_RECV_ERROR,
            CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_OPERATION_TIMEDOUT, CURLE_AGAIN,
            CURLE_UPLOAD_FAILED:
            return true
        default:
            return isTLSFailure(code)
        }
    }

    /// No reply in time.
    static func isTimeout(_ code: CURLcode) -> Bool {
        code == CURLE_OPERATION_TIMEDOUT
    }

    /// TLS could not be set up (handshake, certificate, STARTTLS refused).
    static func isTLSFailure(_ code: CURLcode) -> Bool {
        switch code {
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_USE_SSL_FAILED, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            return true
        default:
            return false
        }
    }

    /// The server refused the credentials.
    static func isAuthenticationFailure(_ code: CURLcode) -> Bool {
        code == CURLE_LOGIN_DENIED || code == CURLE_AUTH_ERROR
    }

    /// For setup calls that report rather than throw: nil when `code` is `CURLE_OK`, else one line naming the call.
    static func setupProblem(_ code: CURLcode, _ what: String) -> String? {
        code == CURLE_OK ? nil : "\(what): \(describe(code, errorBuffer: nil))"
    }

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
