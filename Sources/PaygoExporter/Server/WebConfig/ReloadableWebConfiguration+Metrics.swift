import PrometheusExposition

extension ReloadableWebConfiguration: MetricSource {
    func families() -> [MetricFamily] {
        let state = reloadState
        return [
            MetricFamily(MetricCatalog.webConfigLastReloadSuccessful, samples: [Sample(labels: [], value: state.successful ? 1 : 0)]),
            MetricFamily(
                MetricCatalog.webConfigLastReloadSuccessTimestamp,
                samples: [
                    Sample(labels: [], value: state.lastSuccess.timeIntervalSince1970.rounded(.down))
                ]),
        ]
    }
}
