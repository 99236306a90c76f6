import NIOCore
import PrometheusExposition
import Synchronization

/// The last complete `/metrics` body per format and encoding, in one buffer, reused for up to
/// a second.
///
/// The `process_*` tail is read from /proc, which costs more than sending the whole gzipped
/// body, and a body in several buffers costs one asynchronous write each. Scrapes in the same
/// second (a flood, a benchmark, several Prometheus replicas) share one reading and one copy; a
/// Prometheus scraping every 15 s still gets a fresh one each time.
final class ScrapeBodyCache: Sendable {
    struct Key: Hashable {
        let format: ExpositionFormat
        let gzip: Bool
    }

    static let maxAge: Duration = .seconds(1)

    private struct Entry {
        let usageVersion: UInt64
        let builtAt: ContinuousClock.Instant
        let body: ByteBuffer
    }

    private let bodies = Mutex<[Key: Entry]>([:])
    private let clock: any ExporterClock

    init(clock: any ExporterClock = SystemClock()) {
        self.clock = clock
    }

    /// The cached body for `key` if it was built from `usage` within `maxAge`, else the
    /// concatenation of the parts `build` makes now (kept for the next scrapes).
    func body(for key: Key, usage: RenderedUsage, build: () throws -> [ByteBuffer]) rethrows -> ByteBuffer {
        let now = clock.now
        if let cached = cachedBody(for: key, usage: usage, now: now) {
            return cached
        }
        let parts = try build()
        var body = ByteBufferAllocator().buffer(capacity: parts.reduce(0) { $0 + $1.readableBytes })
        for var part in parts { body.writeBuffer(&part) }
        bodies.withLock { $0[key] = Entry(usageVersion: usage.version, builtAt: now, body: body) }
        return body
    }

    /// The cached body for `key` if it was built from `usage` within `maxAge`; never builds.
    func cachedBody(for key: Key, usage: RenderedUsage) -> ByteBuffer? {
        cachedBody(for: key, usage: usage, now: clock.now)
    }

    private func cachedBody(for key: Key, usage: RenderedUsage, now: ContinuousClock.Instant) -> ByteBuffer? {
        guard let cached = bodies.withLock({ $0[key] }), cached.usageVersion == usage.version, now - cached.builtAt < Self.maxAge else {
            return nil
        }
        return cached.body
    }
}
