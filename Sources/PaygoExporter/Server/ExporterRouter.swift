import CompressNIO
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

    public init(store: SnapshotStore, cache: ExpositionCache, telemetryPath: String, demo: Bool) {
        self.store = store
        self.cache = cache
        self.telemetryPath = telemetryPath
        self.demo = demo
    }

    public func build() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get(RouterPath(telemetryPath)) { request, _ in metrics(request) }
        router.get("/") { _, _ in
            let page = LandingPage.render(telemetryPath: telemetryPath, entries: store.entries(), demo: demo)
            return Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
        }
        router.get("/-/healthy") { _, _ in plainText(.ok, "Healthy.\n") }
        router.get("/-/ready") { _, _ in
            store.everyAccountTried
                ? plainText(.ok, "Ready.\n")
                : plainText(.serviceUnavailable, "Not ready: not every account has been refreshed once yet.\n")
        }
        return router
    }

    /// The usage body comes pre-rendered from the cache; only the process families are read
    /// per scrape.
    func metrics(_ request: Request) -> Response {
        var body = cache.body()
        ProcessMetrics.append(to: &body)
        var buffer = ByteBuffer(bytes: body)
        var headers: HTTPFields = [.contentType: TextFormat.contentType, .vary: "Accept-Encoding"]
        if AcceptEncoding.acceptsGzip(request.headers[.acceptEncoding]),
           let compressed = try? buffer.compress(with: .gzip(), allocator: ByteBufferAllocator()) {
            buffer = compressed
            headers[.contentEncoding] = "gzip"
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    private func plainText(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
