import Hummingbird

/// What every request goes through before routing: only GET and HEAD, no request bodies,
/// basic auth when configured, and the configured extra headers on every answer.
struct HTTPPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    let authenticator: BasicAuthenticator?
    let extraHeaders: ExtraHeaders

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await decide(request, context: context, next: next)
        } catch let error as any HTTPResponseError {
            // The router's 404 is thrown; made into an answer here, it gets the headers too.
            response = try error.response(from: request, context: context)
        }
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
        switch await authenticator?.authorize(request.headers[.authorization]) ?? .authorized {
        case .authorized:
            break
        case .denied:
            return Self.plain(
                .unauthorized, "Unauthorized.\n", extra: [.wwwAuthenticate: "Basic realm=\"cloudflare-paygo-exporter\", charset=\"UTF-8\""])
        case .busy:
            // bcrypt is bounded; new credentials beyond its queue are not checked at all.
            return Self.plain(
                .serviceUnavailable, "Too many new credentials waiting to be checked; try again.\n", extra: [.retryAfter: "1"])
        }
        let response = try await next(request, context)
        // Without the body, but with the Content-Length GET sends: replacing only the body
        // would set it to 0. NIO's encoder writes no body bytes for a HEAD.
        return request.method == .head ? response.createHeadResponse() : response
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
