import Foundation
import HTTPTypes
import Hummingbird
import Logging
import VigieApp
import VigieCore

/// What every route needs: the application context, the page renderer, and how to tell the client's address.
public struct WebEnvironment: Sendable {
    public let context: AppContext
    public let pages: Pages
    public let logger: Logger
    public let trustedProxies: [IPRange]

    public init(context: AppContext, pageNames: [String], logger: Logger) throws {
        self.context = context
        self.logger = logger
        self.trustedProxies = context.config.trustedProxies
        self.pages = try Pages(
            templates: context.templates, names: pageNames, organisation: context.config.organisation, logger: logger)
    }

    /// The client's address: the peer, or what trusted proxies say in `X-Forwarded-For`.
    public func client(of request: Request, context: VigieRequestContext) -> IPAddress? {
        let forwarded = request.headers[values: .xForwardedFor]
        return ClientAddress.resolve(peer: context.peer, forwardedFor: forwarded, trusted: trustedProxies)
    }
}

extension HTTPField.Name {
    /// `X-Forwarded-For`, as reverse proxies set it.
    public static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
