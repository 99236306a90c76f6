import PrometheusExposition
import Synchronization

/// The gzip head of the current usage body per format, compressed on the first gzip scrape
/// after each re-render and shared by every scrape until the next.
final class GzipHeadCache: Sendable {
    private struct Entry {
        let version: UInt64
        let head: GzipHead
    }

    private let heads = Mutex<[ExpositionFormat: Entry]>([:])

    func head(for usage: RenderedUsage, format: ExpositionFormat) throws -> GzipHead {
        // Compressing under the lock makes concurrent scrapes of a new body wait for one
        // compression instead of each doing its own.
        try heads.withLock { heads in
            if let cached = heads[format], cached.version == usage.version { return cached.head }
            let head = try GzipHead(usage.bytes)
            heads[format] = Entry(version: usage.version, head: head)
            return head
        }
    }
}
