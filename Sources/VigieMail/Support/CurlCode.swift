import CCurl

/// The one place where libcurl result codes become Swift descriptions and failure classes.
enum CurlCode {
    /// `curl_easy_strerror` plus libcurl's detailed message from the error buffer, when it has one.
    static func describe(_ code: CURLcode, errorBuffer: UnsafePointer<CChar>?) -> String {
        let generic = String(cString: curl_easy_strerror(code))
        guard let errorBuffer, errorBuffer.pointee != 0 else { return "\(generic) (curl \(code.rawValue))" }
        let detail = String(cString: errorBuffer)
        return "\(generic): \(detail) (curl \(code.rawValue))"
    }

    /// The connection could not be made or broke: nothing is known about the message, retry later.
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

    /// Throws-free check for setup calls: a failing `curl_easy_setopt` is a programming error or a libcurl built
    /// without the feature, reported once with its description.
    static func check(_ code: CURLcode, _ what: String) -> String? {
        code == CURLE_OK ? nil : "\(what): \(describe(code, errorBuffer: nil))"
    }
}
