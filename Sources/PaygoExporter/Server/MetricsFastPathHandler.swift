import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers a plain `GET` of the metrics path on the event loop when its body is already built
/// and fresh, ahead of Hummingbird's router; everything else goes on to the router unchanged.
///
/// A cached scrape costs one buffer write, but a request through the router also costs tasks,
/// async sequences and continuations, which cap a bare Hummingbird app at about half of what
/// nginx serves from a file on small bodies (bench/results). Building stays with the router,
/// under `--web.max-requests`; this handler only sends what a scrape in the last second built.
/// It sits after Hummingbird's connection state handler, so idle timeouts, `Connection: close`
/// and graceful shutdown see its answers like any other.
final class MetricsFastPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// What the handler needs to decide and answer; shared by every connection.
    struct Configuration: Sendable {
        let telemetryPath: String
        let endpoint: MetricsEndpoint
        let authenticator: BasicAuthenticator?
        let extraHeaders: [(name: String, value: String)]
    }

    private let configuration: Configuration
    private var state = MetricsFastPath()

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let action = switch unwrapInboundIn(data) {
        case .head(let request): state.readHead(request, eligibility(of: request))
        case .body: state.readBody()
        case .end: state.readEnd()
        }
        switch action {
        case .forward:
            context.fireChannelRead(data)
        case .hold:
            break
        case .answer(let request):
            if let answer = configuration.endpoint.cachedAnswer(
                accept: request.headerFields[.accept], acceptEncoding: request.headerFields[.acceptEncoding]) {
                write(answer, context: context)
            } else {
                state.handBack()
                context.fireChannelRead(wrapInboundOut(.head(request)))
                context.fireChannelRead(wrapInboundOut(.end(nil)))
            }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            state.routerWroteEnd()
        }
        context.write(data, promise: promise)
    }

    /// Everything else (other paths and methods, bodies, `Connection: close`, credentials not
    /// yet checked) is the router's, which also answers every error.
    private func eligibility(of request: HTTPRequest) -> MetricsFastPath.Eligibility {
        let fields = request.headerFields
        guard request.method == .get, request.path == configuration.telemetryPath,
              fields[.transferEncoding] == nil, fields[.contentLength].map({ $0 == "0" }) ?? true,
              !(fields[.connection]?.lowercased().contains("close") ?? false)
        else { return .notEligible }
        // Only an outcome already known: a first bcrypt check takes far too long for an event loop.
        if let authenticator = configuration.authenticator, authenticator.knownOutcome(fields[.authorization]) != true {
            return .notEligible
        }
        return .eligible
    }

    private func write(_ answer: MetricsEndpoint.Answer, context: ChannelHandlerContext) {
        var headers = answer.headers
        headers[.contentLength] = String(answer.contentLength)
        headers[.date] = HTTPDate.shared.now
        headers.setExtraHeaders(configuration.extraHeaders)
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .ok, headerFields: headers))), promise: nil)
        for buffer in answer.body {
            context.write(wrapOutboundOut(.body(buffer)), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
