import PrometheusExposition

/// Families that belong to no account's snapshot: read by `MetricsEndpoint` into the scrape's
/// once-a-second tail (the web server's own families, which change with traffic).
public protocol MetricSource: Sendable {
    /// The source's families with their samples; a family without samples is left out.
    func families() -> [MetricFamily]
}

/// Families that belong to no account's snapshot and change on their own, rarely (a token's
/// pause), served in the cached usage body.
///
/// `ExpositionCache` merges them into the body in name order and rebuilds the body when any
/// source's `generation` differs from the one it was built from, so a scrape that finds nothing
/// changed still costs only a few reads.
public protocol StandaloneMetricSource: MetricSource {
    /// Differs whenever `families()` would answer differently (including when a state ends with
    /// time, such as a pause running out). Cheap: read on every scrape.
    var generation: UInt64 { get }
}
