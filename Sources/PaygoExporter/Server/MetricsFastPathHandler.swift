import HTTPTypes
import NIOCore
import NIOHTTPTypes

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Answers a plain `GET` of the metrics path on the event loop when its body is already built
/// and fresh, ahead of Hummingbird's router; everything else goes on to the router unchanged.
///
/// A cached scrape costs one buffer write, but a request through the router also costs tasks,
/// async sequences and continuations, which cap a bare Hummingbird app at about half of what
/// nginx serves from a file on small bodies (bench/results). Building stays with the router,
/// under `--web.max-requests`; this handler only sends what a scrape in the last second built.
/// It sits after Hummingbird's connection state handler, so idle timeouts and graceful
/// shutdown see its answers like any other, as do the keep-alive and connection-cap handlers.
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
        /// Read when a head is made; a reload reaches a connection within its head's second.
        let extraHeaders: ExtraHeaders
    }

    private let configuration: Configuration
    private var state = MetricsFastPath()
    /// The negotiation headers of the request taken by the state machine.
    private var takenScrape: ScrapeHeaders?
    /// The last negotiation on this connection: a scraper sends the same headers every time.
    private var lastNegotiation: (scrape: ScrapeHeaders, key: ScrapeBodyCache.Key)?
    /// The last response head: the same while the format, the length and the second are.
    private var lastHead: (key: ScrapeBodyCache.Key, length: Int, second: Int, head: HTTPResponse)?

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let action: MetricsFastPath.ReadAction
        switch unwrapInboundIn(data) {
        case .head(let request):
            let scrape = scrapeHeaders(of: request)
            action = state.readHead(request, scrape == nil ? .notEligible : .eligible)
            if action == .hold { takenScrape = scrape }
        case .body:
            action = state.readBody()
        case .end:
            action = state.readEnd()
        }
        switch action {
        case .forward:
            context.fireChannelRead(data)
        case .hold:
            break
        case .answer(let request):
            let key = negotiate(takenScrape ?? ScrapeHeaders())
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

    /// The headers a scrape is negotiated on, read in the pass that checks the request.
    private struct ScrapeHeaders: Equatable {
        var accept: String?
        var acceptEncoding: String?
    }

    /// The negotiation headers of a request the fast path may answer; nil for everything else
    /// (other paths and methods, bodies, repeated fields, credentials not yet checked), which
    /// is the router's, as is every error. `Connection` and the HTTP version are
    /// `HTTP1KeepAliveHandler`'s, for both.
    private func scrapeHeaders(of request: HTTPRequest) -> ScrapeHeaders? {
        guard request.method == .get, request.path == configuration.telemetryPath else { return nil }
        // One pass over the fields, no joined values: this runs for every scrape.
        var scrape = ScrapeHeaders()
        var authorization: String?
        var accepts = 0, acceptEncodings = 0, authorizations = 0
        for field in request.headerFields {
            switch field.name {
            case .transferEncoding: return nil
            case .contentLength where field.value != "0": return nil
            case .authorization:
                authorization = field.value
                authorizations += 1
            case .accept:
                scrape.accept = field.value
                accepts += 1
            case .acceptEncoding:
                scrape.acceptEncoding = field.value
                acceptEncodings += 1
            default: break
            }
        }
        // Repeated fields would have to be joined; the router does that.
        guard accepts <= 1, acceptEncodings <= 1, authorizations <= 1 else { return nil }
        // Only an outcome already known: a first bcrypt check takes far too long for an event loop.
        if let authenticator = configuration.authenticator, authenticator.knownOutcome(authorization) != true {
            return nil
        }
        return scrape
    }

    private func negotiate(_ scrape: ScrapeHeaders) -> ScrapeBodyCache.Key {
        if let last = lastNegotiation, last.scrape == scrape {
            return last.key
        }
        let key = configuration.endpoint.negotiate(accept: scrape.accept, acceptEncoding: scrape.acceptEncoding)
        lastNegotiation = (scrape, key)
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
