import PrometheusExposition

extension ReloadableWebConfiguration: MetricSource {
    func families() -> [MetricFamily] {
        let state = reloadState
        return MetricCatalog.reloadFamilies(
            MetricCatalog.webConfigLastReloadSuccessful, MetricCatalog.webConfigLastReloadSuccessTimestamp,
            successful: state.successful, lastSuccess: state.lastSuccess)
    }
}
