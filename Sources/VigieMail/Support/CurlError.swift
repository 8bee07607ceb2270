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
        switch Self.kind(CURLcode(UInt32(bitPattern: code))) {
        case .resolve, .connect, .timeout, .connectionLost, .tlsHandshake: return true
        default: return false
        }
    }

    /// `curl_easy_strerror` plus the handle's error buffer when it says more, and the code.
    static func describe(_ code: CURLcode, errorBuffer: UnsafePointer<CChar>?) -> String {
        let e = CurlError(code, "", errorBuffer: errorBuffer)
        return "\(e.message) (curl \(e.code))"
    }

    /// What a failed transfer's code says, in the terms the SMTP transport classifies by.
    enum Kind: Sendable, Hashable, CaseIterable {
        /// The URL or an option is unusable (`smtp://`, port 99999, an option libcurl refuses).
        case configuration
        /// The CA file (or CRL file) cannot be read.
        case caFile
        case resolve
        /// TCP connect refused or unreachable.
        case connect
        case timeout
        /// TLS handshake failure other than the peer's certificate.
        case tlsHandshake
        /// The peer's certificate is not trusted (issuer, name, pinning, revocation).
        case untrustedCertificate
        /// TLS required (STARTTLS) but not offered or refused.
        case tlsRequired
        /// Authentication failed or no usable mechanism.
        case login
        /// One of our callbacks aborted the transfer.
        case aborted
        /// The server's reply ended the transfer (the reply itself tells more).
        case serverReply
        /// Reading or writing the socket failed: the connection broke.
        case connectionLost
        case other
    }

    /// The one mapping from `CURLcode` to `Kind`.
    static func kind(_ code: CURLcode) -> Kind {
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN, CURLE_BAD_FUNCTION_ARGUMENT,
            CURLE_UNKNOWN_OPTION, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CLIENTCERT:
            return .configuration
        case CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CRL_BADFILE:
            return .caFile
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .resolve
        case CURLE_COULDNT_CONNECT:
            return .connect
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CIPHER, CURLE_SSL_SHUTDOWN_FAILED:
            return .tlsHandshake
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS:
            return .untrustedCertificate
        case CURLE_USE_SSL_FAILED:
            return .tlsRequired
        case CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR:
            return .login
        case CURLE_ABORTED_BY_CALLBACK:
            return .aborted
        case CURLE_WEIRD_SERVER_REPLY, CURLE_REMOTE_ACCESS_DENIED:
            return .serverReply
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_UPLOAD_FAILED,
            CURLE_AGAIN, CURLE_SEND_FAIL_REWIND, CURLE_READ_ERROR:
            return .connectionLost
        default:
            return .other
        }
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
