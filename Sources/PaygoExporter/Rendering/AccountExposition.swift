import NIOCore
import PrometheusExposition

/// One account's sample lines, per family, rendered once per change of its snapshot and
/// joined with the other accounts' by `ExpositionCache`.
struct AccountExposition: Sendable {
    /// Indexed like `MetricCatalog.accountFamilies`; an empty fragment means no samples.
    /// Once joined into a body they are slices of it (`ExpositionCache`), so the account's
    /// lines are held once, not once here and once in the body.
    var fragments: [ByteBuffer]

    init(_ snapshot: AccountSnapshot) {
        var lines: [MetricDescriptor: [UInt8]] = [:]
        let accountLabel = Label("account_id", snapshot.account.rawValue)

        func add(_ descriptor: MetricDescriptor, _ extraLabels: [Label], _ value: Double?) {
            guard let value else { return }
            TextFormat.appendSample(name: descriptor.name, labels: [accountLabel] + extraLabels, value: value, to: &lines[descriptor, default: []])
        }

        if let usage = snapshot.usage {
            for series in usage.series {
                let labels = [Label("service", series.key.service), Label("unit", series.key.unit), Label("currency", series.key.currency)]
                add(MetricCatalog.contractedCost, labels, series.contractedCost)
                add(MetricCatalog.cumulatedContractedCost, labels, series.cumulatedContractedCost)
                add(MetricCatalog.consumedQuantity, labels, series.consumedQuantity)
                add(MetricCatalog.pricingQuantity, labels, series.pricingQuantity)
                add(MetricCatalog.cumulatedPricingQuantity, labels, series.cumulatedPricingQuantity)
                add(MetricCatalog.chargePeriodStart, labels, series.chargePeriodStart)
                add(MetricCatalog.chargePeriodEnd, labels, series.chargePeriodEnd)
            }
            for (currency, start) in usage.billingPeriodStarts.sorted(by: { $0.key < $1.key }) {
                add(MetricCatalog.billingPeriodStart, [Label("currency", currency)], start)
                add(MetricCatalog.billingPeriodEnd, [Label("currency", currency)], usage.billingPeriodEnds[currency])
                add(MetricCatalog.forecastCost, [Label("currency", currency)], usage.forecastCosts[currency])
            }
            add(MetricCatalog.records, [], Double(usage.recordCount))
        }

        let health = snapshot.health
        // Every reason from the start, so increase() sees the very first failure too.
        for (reason, count) in health.errorsByReason.sorted(by: { $0.key < $1.key }) {
            add(MetricCatalog.refreshErrors, [Label("reason", reason.rawValue)], Double(count))
        }
        for (code, count) in health.requestsByStatusCode.sorted(by: { String($0.key) < String($1.key) }) {
            add(MetricCatalog.apiRequests, [Label("code", String(code))], Double(count))
        }
        if let up = health.up {
            add(MetricCatalog.up, [], up ? 1 : 0)
            // 0 until the first success, so data-age alerts also catch an account that never worked.
            add(MetricCatalog.lastSuccess, [], health.lastSuccessTime ?? 0)
        }
        add(MetricCatalog.refreshDuration, [], health.lastRefreshDurationSeconds)
        add(MetricCatalog.nextRefresh, [], health.nextRefreshTime)

        fragments = MetricCatalog.accountFamilies.map { descriptor in
            lines[descriptor].map { ByteBuffer(bytes: $0) } ?? ByteBuffer()
        }
    }
}
