import PrometheusExposition

extension ConfigFileReload: StandaloneMetricSource {
    func families() -> [MetricFamily] {
        let state = reloadState
        return MetricCatalog.reloadFamilies(
            MetricCatalog.configLastReloadSuccessful, MetricCatalog.configLastReloadSuccessTimestamp, successful: state.successful,
            lastSuccess: state.lastSuccess)
    }
}
