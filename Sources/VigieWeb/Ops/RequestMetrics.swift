import Hummingbird

/// Counts every answered request by route pattern and status, errors included (they become pages further out).
struct RequestMetrics: RouterMiddleware {
    typealias Context = VigieRequestContext
    let metrics: VigieMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.request(route: context.endpointPath ?? "NotFound", status: response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            metrics.request(route: context.endpointPath ?? "NotFound", status: error.status.code)
            throw error
        } catch {
            metrics.request(route: context.endpointPath ?? "NotFound", status: 500)
            throw error
        }
    }
}
