import Foundation
import Hummingbird

/// Answers `--web.telemetry-path`, compared as a literal path: Hummingbird's router would read
/// `*`, `**`, `:name` and `{name}` in it as patterns (`/**` would catch every path).
struct TelemetryPathMiddleware<Context: RequestContext>: RouterMiddleware {
    let path: String
    let respond: @Sendable (Request) async -> Response

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.matches(request.uri.path, path) else { return try await next(request, context) }
        return await respond(request)
    }

    /// Also percent-decoded: Prometheus, like every Go client, sends `{` and `}` encoded.
    static func matches(_ requested: String, _ path: String) -> Bool {
        requested == path || (requested.contains("%") && requested.removingPercentEncoding == path)
    }
}
