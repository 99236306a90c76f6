import Hummingbird

/// What every request goes through before routing: only GET and HEAD, no request bodies,
/// basic auth when configured, and the configured extra headers on every answer.
struct HTTPPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    let authenticator: BasicAuthenticator?
    let extraHeaders: [(name: String, value: String)]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await decide(request, context: context, next: next)
        response.headers.setExtraHeaders(extraHeaders)
        return response
    }

    private func decide(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            return Self.plain(.methodNotAllowed, "Method not allowed: use GET.\n", extra: [.allow: "GET, HEAD"])
        }
        // GET carries no body; refusing one up front keeps clients from streaming data at us.
        if request.headers[.transferEncoding] != nil || (request.headers[.contentLength].flatMap { Int($0) } ?? 0) > 0 {
            return Self.plain(.contentTooLarge, "Request bodies are not accepted.\n", extra: [.connection: "close"])
        }
        if let authenticator, !authenticator.isAuthorized(request.headers[.authorization]) {
            return Self.plain(.unauthorized, "Unauthorized.\n", extra: [.wwwAuthenticate: "Basic realm=\"cloudflare-paygo-exporter\", charset=\"UTF-8\""])
        }
        var response = try await next(request, context)
        if request.method == .head {
            response.body = ResponseBody()
        }
        return response
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
