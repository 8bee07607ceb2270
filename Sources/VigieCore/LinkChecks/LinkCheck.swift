import Foundation

/// What a check of a notified URL concluded. Only a clear answer (404/410/451, a platform's removal page) is
/// `removed`; anything doubtful (timeouts, 429, 5xx, login walls) is `unknown`, never `removed`.
public enum LinkVerdict: String, Sendable, Codable, CaseIterable {
    case online, removed, unknown
}

/// How a URL was checked: the page itself, or the platform's public oEmbed endpoint.
public enum LinkCheckMethod: String, Sendable, Codable, CaseIterable {
    case http, oembed
}

/// One check of one URL of a cluster, as kept in the store.
public struct LinkCheck: Sendable, Equatable, Codable {
    public var url: String
    public var checkedAt: Date
    /// The HTTP status of the last answer; 0 when there was none (timeout, unreachable).
    public var httpStatus: Int
    public var finalURL: String?
    public var verdict: LinkVerdict
    /// Why, in a few words ("HTTP 404", "timeout", "login wall at …").
    public var detail: String
    public var method: LinkCheckMethod

    public init(
        url: String, checkedAt: Date, httpStatus: Int, finalURL: String?, verdict: LinkVerdict, detail: String,
        method: LinkCheckMethod
    ) {
        self.url = url
        self.checkedAt = checkedAt
        self.httpStatus = httpStatus
        self.finalURL = finalURL
        self.verdict = verdict
        self.detail = detail
        self.method = method
    }
}

/// What the HTTP client saw for one request (the check's raw material, before any verdict).
public struct LinkProbe: Sendable, Equatable {
    /// Why no answer came.
    public enum Failure: Sendable, Equatable {
        case timeout
        /// DNS, refused connection, TLS: the host could not be talked to.
        case unreachable(String)
        case other(String)
    }

    /// The last answer's status; 0 when there was none.
    public var status: Int
    /// Where the redirects ended.
    public var finalURL: String?
    public var failure: Failure?

    public init(status: Int, finalURL: String?, failure: Failure? = nil) {
        self.status = status
        self.finalURL = finalURL
        self.failure = failure
    }
}
