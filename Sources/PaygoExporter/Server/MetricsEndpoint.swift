import HTTPTypes
import NIOCore
import PrometheusExposition

/// What a `/metrics` scrape gets, decided once for the router and the event-loop fast path so
/// both send the same bytes under the same headers.
///
/// The usage body and its gzip form come prebuilt, once per refresh; the process families are
/// read and joined to them at most once a second, and every scrape in that second sends the
/// same buffer.
final class MetricsEndpoint: Sendable {
    /// A scrape's answer: everything but the headers every response gets (Date, extra headers).
    struct Answer {
        let key: ScrapeBodyCache.Key
        /// Sent one after the other; one buffer except for large plain bodies.
        var body: [ByteBuffer]

        var contentLength: Int { body.reduce(0) { $0 + $1.readableBytes } }

        /// Made on demand: the fast path reuses its response head for a second.
        var headers: HTTPFields {
            var headers: HTTPFields = [.contentType: key.format.contentType, .vary: "Accept, Accept-Encoding"]
            if key.gzip { headers[.contentEncoding] = "gzip" }
            return headers
        }
    }

    private let cache: ExpositionCache
    private let serverSources: [any MetricSource]
    private let openMetricsEnabled: Bool
    private let gzipHeads = GzipHeadCache()
    private let scrapeBodies = ScrapeBodyCache()

    /// Plain bodies up to this size are joined with their tail into one buffer per second; a
    /// larger one is sent as it is, followed by the tail: copying megabytes every second would
    /// cost more memory than the second write costs time.
    static let largestJoinedBody = 1 << 20

    /// - Parameter serverSources: the web server's own families (connections, authentication,
    ///   reloads of the web config), which change with traffic: rendered into the tail with the
    ///   process families at most once a second, so that they never make the usage body and its
    ///   gzip form be built again. Their names sort after every family of the usage body.
    init(cache: ExpositionCache, openMetricsEnabled: Bool, serverSources: [any MetricSource] = []) {
        self.cache = cache
        self.openMetricsEnabled = openMetricsEnabled
        self.serverSources = serverSources
    }

    /// The format and encoding a scrape with these `Accept` and `Accept-Encoding` headers gets.
    func negotiate(accept: String?, acceptEncoding: String?) -> ScrapeBodyCache.Key {
        ScrapeBodyCache.Key(
            format: MetricsFormatNegotiation.format(forAccept: accept, openMetricsEnabled: openMetricsEnabled),
            gzip: AcceptEncoding.acceptsGzip(acceptEncoding))
    }

    /// The answer to a scrape with these headers, building whatever is out of date.
    func answer(accept: String?, acceptEncoding: String?) -> Answer {
        let key = negotiate(accept: accept, acceptEncoding: acceptEncoding)
        let usage = cache.body(key.format)
        if key.gzip, let gzip = gzipAnswer(key.format, usage, building: true) {
            return gzip
        }
        // Never nil when building.
        return plainAnswer(key.format, usage, building: true) ?? Answer(key: key, body: [usage.bytes])
    }

    /// The same answer if everything it needs is built and fresh; nil when a build is due.
    /// Cheap enough for an event loop: a few lock-protected lookups, no rendering, no I/O.
    func cachedAnswer(for key: ScrapeBodyCache.Key) -> Answer? {
        guard let usage = cache.currentBody(key.format) else { return nil }
        return key.gzip ? gzipAnswer(key.format, usage, building: false) : plainAnswer(key.format, usage, building: false)
    }

    private func gzipAnswer(_ format: ExpositionFormat, _ usage: RenderedUsage, building: Bool) -> Answer? {
        let key = ScrapeBodyCache.Key(format: format, gzip: true)
        let member: ByteBuffer? =
            if building {
                try? scrapeBodies.body(for: key, usage: usage) {
                    try gzipHeads.head(for: usage, format: format).member(tail: tail(format))
                }
            } else {
                scrapeBodies.cachedBody(for: key, usage: usage)
            }
        guard let member else { return nil }
        return Answer(key: key, body: [member])
    }

    private func plainAnswer(_ format: ExpositionFormat, _ usage: RenderedUsage, building: Bool) -> Answer? {
        let key = ScrapeBodyCache.Key(format: format, gzip: false)
        let joined = usage.bytes.readableBytes <= Self.largestJoinedBody
        let cached: ByteBuffer? =
            if building {
                scrapeBodies.body(for: key, usage: usage) { joined ? [usage.bytes, tail(format)] : [tail(format)] }
            } else {
                scrapeBodies.cachedBody(for: key, usage: usage)
            }
        guard let cached else { return nil }
        return Answer(key: key, body: joined ? [cached] : [usage.bytes, cached])
    }

    /// What follows the usage families: the server's and the process families and, in
    /// OpenMetrics, `# EOF`.
    private func tail(_ format: ExpositionFormat) -> ByteBuffer {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4_096)
        let server = serverSources.flatMap { $0.families() }.filter { !$0.samples.isEmpty }
        bytes += format.encode(server, terminated: false)
        ProcessMetrics.append(to: &bytes, format: format)
        format.appendEnd(to: &bytes)
        return ByteBuffer(bytes: bytes)
    }
}
