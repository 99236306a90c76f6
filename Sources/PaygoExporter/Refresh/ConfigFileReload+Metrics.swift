import PrometheusExposition

extension ConfigFileReload: StandaloneMetricSource {
    func families() -> [MetricFamily] {
        let state = reloadState
        return [
            MetricFamily(MetricCatalog.configLastReloadSuccessful, samples: [Sample(labels: [], value: state.successful ? 1 : 0)]),
            MetricFamily(
                MetricCatalog.configLastReloadSuccessTimestamp,
                samples: [Sample(labels: [], value: state.lastSuccess.timeIntervalSince1970.rounded(.down))]),
        ]
    }
}
