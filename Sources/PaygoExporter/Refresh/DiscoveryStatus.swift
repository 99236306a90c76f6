import PrometheusExposition
import Synchronization

/// How each discovering credential's newest listing of accounts went, for the discovery
/// families: a credential whose token may no longer list watches only what it watched, and
/// nothing else would show it.
public final class DiscoveryStatus: StandaloneMetricSource {
    private struct Listing {
        var successful: Bool
        /// Unix time of the last listing that worked; 0 until one did.
        var lastSuccess: Double
    }

    private struct State {
        var listings: [String: Listing] = [:]
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// One listing of `credential`'s accounts, finished at `unixTime`.
    public func record(credential: String, successful: Bool, at unixTime: Double) {
        state.withLock { state in
            var listing = state.listings[credential] ?? Listing(successful: successful, lastSuccess: 0)
            listing.successful = successful
            if successful { listing.lastSuccess = unixTime }
            state.listings[credential] = listing
            state.generation &+= 1
        }
    }

    public var generation: UInt64 { state.withLock { $0.generation } }

    public func families() -> [MetricFamily] {
        let listings = state.withLock { $0.listings }.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        func samples(_ value: (Listing) -> Double) -> [Sample] {
            listings.map { Sample(labels: [Label("credential", $0.key)], value: value($0.value)) }
        }
        return [
            MetricFamily(MetricCatalog.discoveryLastListingSuccessful, samples: samples { $0.successful ? 1 : 0 }),
            MetricFamily(MetricCatalog.discoveryLastSuccessTimestamp, samples: samples(\.lastSuccess)),
        ]
    }
}
