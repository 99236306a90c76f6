#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
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
    /// The last negotiation on this connection: a scraper sends the same headers every time.
    private var lastNegotiation: (accept: String?, acceptEncoding: String?, key: ScrapeBodyCache.Key)?
    /// The last response head: the same while the format, the length and the second are.
    private var lastHead: (key: ScrapeBodyCache.Key, length: Int, second: Int, head: HTTPResponse)?

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
            let key = negotiate(request)
            // A client that does not read its answers must not make the server queue more:
            // through the router, an unwritable socket stops reading the next request.
            if context.channel.isWritable, let answer = configuration.endpoint.cachedAnswer(for: key) {
                write(answer, key: key, context: context)
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

    /// Everything else (other paths and methods, bodies, `Connection: close`, repeated fields,
    /// credentials not yet checked) is the router's, which also answers every error.
    private func eligibility(of request: HTTPRequest) -> MetricsFastPath.Eligibility {
        guard request.method == .get, request.path == configuration.telemetryPath else { return .notEligible }
        // One pass over the fields, no joined values: this runs for every scrape.
        var authorization: String?
        var accepts = 0, acceptEncodings = 0, authorizations = 0
        for field in request.headerFields {
            switch field.name {
            case .transferEncoding: return .notEligible
            case .contentLength where field.value != "0": return .notEligible
            case .connection where field.value.lowercased().contains("close"): return .notEligible
            case .authorization: authorization = field.value; authorizations += 1
            case .accept: accepts += 1
            case .acceptEncoding: acceptEncodings += 1
            default: break
            }
        }
        // Repeated fields would have to be joined; the router does that.
        guard accepts <= 1, acceptEncodings <= 1, authorizations <= 1 else { return .notEligible }
        // Only an outcome already known: a first bcrypt check takes far too long for an event loop.
        if let authenticator = configuration.authenticator, authenticator.knownOutcome(authorization) != true {
            return .notEligible
        }
        return .eligible
    }

    private func negotiate(_ request: HTTPRequest) -> ScrapeBodyCache.Key {
        let accept = request.headerFields[.accept]
        let acceptEncoding = request.headerFields[.acceptEncoding]
        if let last = lastNegotiation, last.accept == accept, last.acceptEncoding == acceptEncoding {
            return last.key
        }
        let key = configuration.endpoint.negotiate(accept: accept, acceptEncoding: acceptEncoding)
        lastNegotiation = (accept, acceptEncoding, key)
        return key
    }

    private func write(_ answer: MetricsEndpoint.Answer, key: ScrapeBodyCache.Key, context: ChannelHandlerContext) {
        let length = answer.contentLength
        let second = time(nil)
        let head: HTTPResponse
        if let last = lastHead, last.key == key, last.length == length, last.second == second {
            head = last.head
        } else {
            var headers = answer.headers
            headers[.contentLength] = String(length)
            headers[.date] = HTTPDate.format(unixSeconds: second)
            headers.setExtraHeaders(configuration.extraHeaders)
            head = HTTPResponse(status: .ok, headerFields: headers)
            lastHead = (key, length, second, head)
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        for buffer in answer.body {
            context.write(wrapOutboundOut(.body(buffer)), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
