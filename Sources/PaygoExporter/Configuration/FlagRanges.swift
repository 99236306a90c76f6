/// The documented range of every numeric flag and setting, in one place, so the checks, their
/// messages and README's "Limits" table agree. Values outside are refused at start (exit code
/// 2) before any conversion, so no flag can make a duration or a count overflow.
public enum FlagRanges {
    /// `--cloudflare.refresh-interval`, seconds: 1s to 31d.
    public static let refreshIntervalSeconds: ClosedRange<Double> = 1...(31 * 86_400)
    /// `--cloudflare.timeout`, seconds: 10ms to 10m.
    public static let timeoutSeconds: ClosedRange<Double> = 0.01...600
    /// `--cloudflare.max-stale`, seconds: 1s to 366d.
    public static let maxStaleSeconds: ClosedRange<Double> = 1...(366 * 86_400)
    /// `--cloudflare.discovery-interval`: at least a minute (each listing costs calls), at most a week.
    public static let discoveryIntervalSeconds: ClosedRange<Double> = 60...(7 * 86_400)
    /// `--total-shards`: replicas that split the accounts between them.
    public static let totalShards: ClosedRange<Int> = 1...1_000
    /// `--cloudflare.rate-limit`: requests per window.
    public static let rateLimitRequests = RequestRate.requestRange
    /// `--cloudflare.rate-limit`: the window, seconds: 1s to 1d.
    public static let rateLimitWindowSeconds = RequestRate.windowRange
    /// `--cloudflare.max-body-size`, bytes: 1KiB to 4GiB.
    public static let maxBodyBytes: ClosedRange<Int> = 1_024...(4 << 30)
    /// `--cloudflare.max-series-per-account`.
    public static let maxSeriesPerAccount: ClosedRange<Int> = 1...1_000_000
    /// `--web.max-requests` (0: no limit).
    public static let maxRequests: ClosedRange<Int> = 0...100_000
    /// `backfill --remote-write.concurrency`: requests in flight at once.
    public static let remoteWriteConcurrency: ClosedRange<Int> = 1...64
    /// `backfill --remote-write.max-samples-per-send`: samples in one request.
    public static let remoteWriteSamplesPerSend: ClosedRange<Int> = 100...1_000_000
    /// `backfill --remote-write.timeout`, seconds: 1s to 10m for one request.
    public static let remoteWriteTimeoutSeconds: ClosedRange<Double> = 1...600

    /// A value as an error message may quote it: short values only, since a long one may be a
    /// secret pasted into the wrong flag.
    static func quoted(_ text: String) -> String {
        text.utf8.count <= 24 && text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) ? "\"\(text)\"" : "(\(text.utf8.count) characters)"
    }

    /// The seconds of a Prometheus duration within `range`, or a startup error naming the flag.
    static func duration(
        _ text: String, flag: String, in range: ClosedRange<Double>, example: String
    ) throws(ConfigurationError) -> Double {
        guard let seconds = PrometheusDuration.seconds(text), range.contains(seconds) else {
            throw ConfigurationError(
                "\(flag) \(quoted(text)) is not a duration from \(spell(range.lowerBound)) to \(spell(range.upperBound))",
                fix: "use e.g. \(example) (Prometheus durations: 500ms, 90s, 10m, 1h30m, 2d)")
        }
        return seconds
    }

    /// A number of seconds as the shortest Prometheus duration.
    static func spell(_ seconds: Double) -> String {
        PrometheusDuration.format(.saturating(seconds: seconds))
    }
}
