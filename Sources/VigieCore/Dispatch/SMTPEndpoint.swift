import Foundation

/// Where and how to reach the SMTP relay of an outbound queue.
public struct SMTPEndpoint: Sendable, Hashable, Codable {
    /// How the session is secured and authenticated.
    public enum AuthMechanism: String, Sendable, Hashable, Codable {
        case plain = "PLAIN"
        case login = "LOGIN"
    }

    /// `smtp://host:port` (plain or STARTTLS) or `smtps://host:port` (implicit TLS).
    public var url: String
    /// Require STARTTLS on an `smtp://` URL (the session fails rather than going on in clear).
    public var starttls: Bool
    public var user: String?
    public var password: String?
    /// Forces one SASL mechanism; nil lets libcurl pick among those the server offers.
    public var authMechanism: AuthMechanism?
    /// PEM bundle of the CAs to trust instead of the system ones.
    public var caFile: String?
    /// Never turn off outside tests: it would let anyone on the path read and alter the mail.
    public var verifyCertificates: Bool
    /// Connect timeout and the bound on one whole message transaction.
    public var timeoutSeconds: Double
    /// The name we give in EHLO; nil lets libcurl use its default.
    public var heloName: String?

    public init(
        url: String, starttls: Bool = false, user: String? = nil, password: String? = nil,
        authMechanism: AuthMechanism? = nil, caFile: String? = nil, verifyCertificates: Bool = true,
        timeoutSeconds: Double = 60, heloName: String? = nil
    ) {
        self.url = url
        self.starttls = starttls
        self.user = user
        self.password = password
        self.authMechanism = authMechanism
        self.caFile = caFile
        self.verifyCertificates = verifyCertificates
        self.timeoutSeconds = timeoutSeconds
        self.heloName = heloName
    }

    /// `host:port` for messages and logs (never the credentials); the URL itself, without them, when it has no host.
    public var relayName: String {
        if let c = URLComponents(string: url), let host = c.host, !host.isEmpty {
            let scheme = c.scheme?.lowercased()
            let port = c.port ?? (scheme == "smtps" ? 465 : 25)
            return (host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host) + ":\(port)"
        }
        var shown = url
        if let scheme = shown.range(of: "://") {
            let authority = shown[scheme.upperBound...].prefix { $0 != "/" }
            if let at = authority.lastIndex(of: "@") { shown.removeSubrange(scheme.upperBound...at) }
        }
        return "\"\(shown)\""
    }
}
