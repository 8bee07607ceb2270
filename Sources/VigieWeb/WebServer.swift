import Dispatch
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import VigieApp
import VigieCore

/// The HTTP side of `serve`: a Hummingbird server on `[http] listen`, run as one of the supervisor's jobs.
public final class WebServer: Sendable {
    let listen: ListenAddress
    let environment: WebEnvironment
    let routes: [any WebRoutes]
    let logger: Logger

    /// Builds the server and loads every page template (a missing or broken one throws here, at start).
    public init(context: AppContext, listen: ListenAddress, routes: [any WebRoutes]? = nil) throws {
        var logger = context.logger
        logger[metadataKey: "job"] = "http"
        self.logger = logger
        self.listen = listen
        let routes = routes ?? Self.standardRoutes()
        self.routes = routes
        environment = try WebEnvironment(
            context: context, pageNames: routes.flatMap(\.pageNames), logger: logger)
        // Every route group registers once now: what it cannot do stops serve before any job starts.
        _ = try makeRouter()
    }

    /// The job `serve` runs: answers until `stop`, then lets requests in flight finish.
    public var job: Supervisor.Job {
        Supervisor.Job(name: "http") { [self] stop in try run(until: stop) }
    }

    func makeRouter() throws -> Router<VigieRequestContext> {
        let router = Router(context: VigieRequestContext.self)
        router.middlewares.add(ErrorPages(pages: environment.pages, logger: logger))
        for group in routes { try group.register(on: router, environment: environment) }
        return router
    }

    /// Serves until `stop` is raised (then shuts down gracefully and returns); throws when it cannot listen.
    public func run(until stop: StopSignal) throws {
        let router = try makeRouter()
        let listen = self.listen
        let logger = self.logger
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(listen.host, port: listen.port)),
            onServerRunning: { _ in logger.info("http: listening on \(listen)") },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        let finished = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        Task.detached {
            do { try await group.run() } catch { failure.withLock { $0 = error } }
            finished.signal()
        }
        var stopping = false
        while finished.wait(timeout: .now() + .milliseconds(200)) == .timedOut {
            if stop.isStopped, !stopping {
                stopping = true
                Task.detached { await group.triggerGracefulShutdown() }
            }
        }
        if let error = failure.withLock({ $0 }) { throw WebServerError(listen: listen, cause: error) }
        if !stop.isStopped { throw WebServerError(listen: listen, cause: nil) }
    }
}

/// The HTTP server could not listen, or stopped on its own: one line naming the address and what to do.
public struct WebServerError: Error, CustomStringConvertible {
    let listen: ListenAddress
    let cause: (any Error)?

    public var description: String {
        let text = cause.map { "\($0)" } ?? "stopped on its own"
        if text.contains("Address already in use") || text.contains("errno: 98") {
            return "http: cannot listen on \(listen): the address is already in use (another serve, or another "
                + "program); choose another [http] listen in vigie.toml or stop that program"
        }
        if text.contains("Permission denied") || text.contains("errno: 13") {
            return "http: cannot listen on \(listen): permission denied (ports below 1024 need privileges); listen "
                + "on a high port behind the reverse proxy ([http] listen in vigie.toml)"
        }
        if text.contains("Cannot assign requested address") || text.contains("errno: 99") {
            return "http: cannot listen on \(listen): no such address on this machine; check [http] listen"
        }
        return "http: cannot serve on \(listen): \(text); check [http] listen in vigie.toml"
    }
}
