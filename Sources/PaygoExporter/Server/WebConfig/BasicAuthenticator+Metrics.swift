import PrometheusExposition

extension BasicAuthenticator: MetricSource {
    /// Changes when the counts shown change, at most once a second (`metricsInterval`).
    public var generation: UInt64 { publishedMetrics.generation }

    public func families() -> [MetricFamily] {
        let state = publishedMetrics
        let counts = state.counts
        let checks: [(String, UInt64)] = [
            ("busy", counts.busy), ("cached_wrong", counts.cachedWrong), ("missing", counts.missing), ("ok", counts.ok),
            ("wrong", counts.wrong),
        ]
        return [
            MetricFamily(MetricCatalog.webAuthChecks, samples: checks.map { Sample(labels: [Label("result", $0.0)], value: Double($0.1)) }),
            MetricFamily(MetricCatalog.webAuthBcryptSeconds, samples: [Sample(labels: [], value: counts.bcryptSeconds)]),
            MetricFamily(
                MetricCatalog.webAuthCachedCredentials,
                samples: [
                    Sample(labels: [Label("result", "ok")], value: Double(state.successes)),
                    Sample(labels: [Label("result", "wrong")], value: Double(state.failures)),
                ]),
        ]
    }
}
