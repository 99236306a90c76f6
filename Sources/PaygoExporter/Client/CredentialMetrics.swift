import PrometheusExposition

/// The token-level families, one sample per credential (`credential` label, its name, never
/// the secret): the rate it may use, the calls made, the quota Cloudflare reports and the pause
/// after a 429. One source for every credential, so each family is written once.
public final class CredentialMetrics: StandaloneMetricSource {
    private let apis: [CloudflareAPI]

    public init(_ apis: [CloudflareAPI]) {
        self.apis = apis
    }

    public var generation: UInt64 {
        // Mixed, not summed: a gate's generation falls back when its pause runs out.
        apis.reduce(0xcbf2_9ce4_8422_2325) { mixed, api in
            [api.gate.generation, api.budget.generation, UInt64(api.callCount)].reduce(mixed) { ($0 ^ $1) &* 0x0000_0100_0000_01b3 }
        }
    }

    public func families() -> [MetricFamily] {
        func samples(_ value: (CloudflareAPI) -> Double?) -> [Sample] {
            apis.compactMap { api in
                value(api).map { Sample(labels: [Label("credential", api.configuration.credentialName)], value: $0) }
            }
        }
        return [
            MetricFamily(MetricCatalog.apiCalls, samples: samples { Double($0.callCount) }),
            MetricFamily(MetricCatalog.rateLimit, samples: samples { $0.budget.rate.requestsPerSecond }),
            MetricFamily(MetricCatalog.rateLimitRemaining, samples: samples { $0.budget.reportedQuota.map { Double($0.remaining) } }),
            MetricFamily(MetricCatalog.rateLimitedUntil, samples: samples { $0.gate.pausedUntilUnixSeconds }),
        ]
    }
}
