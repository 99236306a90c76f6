import Foundation

/// A number of requests per window, as `--cloudflare.rate-limit` spells it: `600/5m`.
public struct RequestRate: Sendable, Hashable, CustomStringConvertible {
    /// Half of Cloudflare's 1,200 requests per 5 minutes per token, which the token shares
    /// with everything else that uses it.
    public static let `default` = RequestRate(requests: 600, perSeconds: 300)

    public let requests: Int
    public let perSeconds: Double

    public init(requests: Int, perSeconds: Double) {
        precondition(requests > 0 && perSeconds > 0, "a rate needs requests and a window")
        self.requests = requests
        self.perSeconds = perSeconds
    }

    /// The requests a rate may allow per window: 1 to a million.
    public static let requestRange: ClosedRange<Int> = 1...1_000_000
    /// The windows a rate may have, in seconds: 1s to 1d.
    public static let windowRange: ClosedRange<Double> = 1...86_400

    /// `N/duration` with a Prometheus duration (`600/5m`, `1200/300s`), or nil; both parts
    /// must lie within `requestRange` and `windowRange`.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let requests = Int(parts[0].trimmingCharacters(in: .whitespaces)),
            Self.requestRange.contains(requests),
            let seconds = PrometheusDuration.seconds(parts[1].trimmingCharacters(in: .whitespaces)),
            Self.windowRange.contains(seconds)
        else { return nil }
        self.init(requests: requests, perSeconds: seconds)
    }

    /// Seconds between requests when they are spread evenly.
    public var spacingSeconds: Double { perSeconds / Double(requests) }

    /// The time between requests when they are spread evenly.
    public var spacing: Duration { .saturating(seconds: spacingSeconds) }

    public var requestsPerSecond: Double { Double(requests) / perSeconds }

    public var description: String {
        "\(requests)/\(PrometheusDuration.format(.saturating(seconds: perSeconds)))"
    }
}
