import PrometheusExposition

/// One account's sample lines, one family at a time, for `ExpositionCache` to write straight
/// into the body it serves.
///
/// Family by family rather than all at once: the body lists each family's samples for every
/// account under one header, so rendering in that order needs no per-account copy of the lines
/// beside the body (for a thousand accounts that copy was as large as the body itself).
enum AccountExposition {
    /// Appends `snapshot`'s samples of `family`, one of `MetricCatalog.accountFamilies`, as its
    /// declaration says to read them.
    static func appendSamples(of family: FamilyDeclaration, for snapshot: AccountSnapshot, to bytes: inout [UInt8]) {
        let name = family.descriptor.name
        let accountLabel = Label("account_id", snapshot.account.rawValue)
        switch family.samples {
        case .perUsageSeries(let value, let pricingUnit):
            for series in snapshot.usage?.series ?? [] {
                guard let sample = value(series) else { continue }
                TextFormat.appendSample(
                    name: name, labels: series.labels(account: accountLabel, pricingUnit: pricingUnit), value: sample, to: &bytes)
            }
        case .perZoneSeries(let value):
            for zone in snapshot.usage?.zoneSeries ?? [] {
                guard let sample = value(zone) else { continue }
                TextFormat.appendSample(name: name, labels: zone.labels(account: accountLabel), value: sample, to: &bytes)
            }
        case .perAccount(let samples):
            for sample in samples(snapshot) {
                TextFormat.appendSample(name: name, labels: [accountLabel] + sample.labels, value: sample.value, to: &bytes)
            }
        case .standalone, .server, .process:
            break
        }
    }

    /// A rough size of `snapshot`'s lines in all families, to size the body up front.
    static func estimatedBytes(of snapshot: AccountSnapshot) -> Int {
        2_048 + (snapshot.usage?.series.count ?? 0) * usageSeriesFamilyCount * 180
            + (snapshot.usage?.zoneSeries.count ?? 0) * zoneSeriesFamilyCount * 240
    }

    private static let usageSeriesFamilyCount = MetricCatalog.accountFamilies.filter {
        if case .perUsageSeries = $0.samples { true } else { false }
    }.count

    private static let zoneSeriesFamilyCount = MetricCatalog.accountFamilies.filter {
        if case .perZoneSeries = $0.samples { true } else { false }
    }.count
}
