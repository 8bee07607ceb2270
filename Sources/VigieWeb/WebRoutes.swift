import Hummingbird

/// A group of routes (subscribers, operations, console): registers its handlers on the router.
public protocol WebRoutes: Sendable {
    /// The page bodies (`templates/web-NAME.html.mustache`) the routes render; loaded and checked at start.
    var pageNames: [String] { get }
    /// Throws what must stop `serve` at start (a template missing, a secret unset), in one line.
    func register(on router: Router<VigieRequestContext>, environment: WebEnvironment) throws
}

extension WebRoutes {
    public var pageNames: [String] { [] }
}

extension WebServer {
    /// Every route group `serve` answers; one line each.
    static func standardRoutes() -> [any WebRoutes] {
        [
            OpsRoutes(),
            SubscriberRoutes(),
            ConsoleRoutes(),
        ]
    }
}
