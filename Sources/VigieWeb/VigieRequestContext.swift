import Hummingbird
import NIOCore
import VigieCore

/// The request context of every route: Hummingbird's core storage and the peer's address (the client's, once
/// `[http] trusted_proxies` has been applied by `WebEnvironment.client(of:context:)`).
public struct VigieRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer: the client, or the reverse proxy in front of Vigie.
    public let peer: IPAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress?.ipAddress.flatMap { IPAddress($0) }
    }

    /// Forms and one-click POSTs are small; a larger body is refused (413) before it is read whole.
    public var maxUploadSize: Int { 64 * 1024 }
}
