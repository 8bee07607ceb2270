import Hummingbird
import Logging

/// Turns every error into a French page: Hummingbird's HTTP errors (404 for an unknown route, 413, …) keep their
/// status; any other error is a 500 page, logged with its cause (never shown to the visitor).
struct ErrorPages: RouterMiddleware {
    typealias Context = VigieRequestContext
    let pages: Pages
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            return pages.error(error.status)
        } catch let error as any HTTPResponseError {
            return pages.error(error.status)
        } catch {
            logger.error("http: \(request.method) \(context.endpointPath ?? "(no route)"): \(error); answered 500")
            return pages.error(.internalServerError)
        }
    }
}
