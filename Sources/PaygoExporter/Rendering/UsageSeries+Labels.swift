import PrometheusExposition

extension UsageSeries {
    /// The series' labels after `account`, as every family of usage series carries them (the
    /// live body and backfill alike). `service_family` is a function of `service`, so it adds
    /// no series; `pricing_unit` goes only on the pricing-quantity families it describes.
    public func labels(account: Label, pricingUnit: Bool) -> [Label] {
        var labels = [
            account, Label("service", key.service), Label("service_family", serviceFamily), Label("unit", key.unit),
        ]
        if pricingUnit { labels.append(Label("pricing_unit", self.pricingUnit ?? "")) }
        labels.append(Label("currency", key.currency))
        return labels
    }
}

extension ZoneUsageSeries {
    /// The usage series' labels plus the zone's; a null zone is `zone_id=""`.
    public func labels(account: Label) -> [Label] {
        [
            account, Label("service", key.service), Label("service_family", serviceFamily), Label("unit", key.unit),
            Label("currency", key.currency), Label("zone_id", zoneID), Label("zone_name", zoneName),
        ]
    }
}
