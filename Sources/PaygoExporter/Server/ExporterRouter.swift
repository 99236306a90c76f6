import Hummingbird
import Logging
import NIOCore
import PrometheusExposition

/// The exporter's HTTP surface: `/metrics` (or the configured path), `/`, `/-/healthy` and
/// `/-/ready`. Everything else is 404.
public struct ExporterRouter: Sendable {
    let store: SnapshotStore
    let cache: ExpositionCache
    let telemetryPath: String
    let demo: Bool
    let settings: WebServerSettings
    private let limiter: InFlightLimiter
    private let gzipHeads = GzipHeadCache()
    private let scrapeBodies = ScrapeBodyCache()

    public init(store: SnapshotStore, cache: ExpositionCache, telemetryPath: String, demo: Bool, settings: WebServerSettings) {
        self.store = store
        self.cache = cache
        self.telemetryPath = telemetryPath
        self.demo = demo
        self.settings = settings
        limiter = InFlightLimiter(limit: settings.maxRequests)
    }

    public func build() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: HTTPPolicyMiddleware(
            authenticator: settings.basicAuthUsers.isEmpty ? nil : BasicAuthenticator(users: settings.basicAuthUsers),
            extraHeaders: settings.extraHeaders))
        // HEAD answers like GET; the middleware drops the body.
        func route(_ path: String, _ handler: @escaping @Sendable (Request) async -> Response) {
            router.get(RouterPath(path)) { request, _ in await handler(request) }
            router.on(RouterPath(path), method: .head) { request, _ in await handler(request) }
        }
        route(telemetryPath) { request in await limitedMetrics(request) }
        route("/") { _ in
            let page = LandingPage.render(telemetryPath: telemetryPath, entries: store.entries(), demo: demo)
            return Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
        }
        route("/-/healthy") { _ in plainText(.ok, "Healthy.\n") }
        route("/-/ready") { _ in
            store.everyAccountTried
                ? plainText(.ok, "Ready.\n")
                : plainText(.serviceUnavailable, "Not ready: not every account has been refreshed once yet.\n")
        }
        return router
    }

    private func limitedMetrics(_ request: Request) async -> Response {
        await limiter.withSlot { metrics(request) }
            ?? HTTPPolicyMiddleware<BasicRequestContext>.plain(
                .serviceUnavailable, "Too many concurrent scrapes (--web.max-requests=\(settings.maxRequests)); try again.\n")
    }

    /// The usage body and its gzip form come prebuilt, once per refresh; the process families
    /// are read and joined to them at most once a second, and every scrape sends that buffer.
    func metrics(_ request: Request) -> Response {
        let format = MetricsFormatNegotiation.format(forAccept: request.headers[.accept], openMetricsEnabled: settings.openMetrics)
        let usage = cache.body(format)
        var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept, Accept-Encoding"]
        if AcceptEncoding.acceptsGzip(request.headers[.acceptEncoding]),
           let member = try? scrapeBodies.body(for: .init(format: format, gzip: true), usage: usage, build: {
               try gzipHeads.head(for: usage, format: format).member(tail: Self.tail(format))
           }) {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: member))
        }
        // A large body is sent as it is, followed by the tail: copying megabytes every second
        // would cost more memory than the second write costs time.
        guard usage.bytes.readableBytes <= Self.largestJoinedBody else {
            let tail = scrapeBodies.body(for: .init(format: format, gzip: false), usage: usage) { [Self.tail(format)] }
            return Response(status: .ok, headers: headers, body: ResponseBody(contentsOf: [usage.bytes, tail]))
        }
        let plain = scrapeBodies.body(for: .init(format: format, gzip: false), usage: usage) { [usage.bytes, Self.tail(format)] }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: plain))
    }

    /// Plain bodies up to this size are joined with their tail into one buffer per second.
    static let largestJoinedBody = 1 << 20

    /// What follows the usage families: the process families and, in OpenMetrics, `# EOF`.
    private static func tail(_ format: ExpositionFormat) -> ByteBuffer {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2_048)
        ProcessMetrics.append(to: &bytes, format: format)
        format.appendEnd(to: &bytes)
        return ByteBuffer(bytes: bytes)
    }

    private func plainText(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
