import PrometheusExposition

/// One account's sample lines, one family at a time, for `ExpositionCache` to write straight
/// into the body it serves.
///
/// Family by family rather than all at once: the body lists each family's samples for every
/// account under one header, so rendering in that order needs no per-account copy of the lines
/// beside the body (for a thousand accounts that copy was as large as the body itself).
enum AccountExposition {
    /// Appends `snapshot`'s samples of `family`, one of `MetricCatalog.accountFamilies`.
    static func appendSamples(of family: MetricDescriptor, for snapshot: AccountSnapshot, to bytes: inout [UInt8]) {
        let accountLabel = Label("account_id", snapshot.account.rawValue)
        func add(_ labels: [Label], _ value: Double?) {
            guard let value else { return }
            TextFormat.appendSample(name: family.name, labels: [accountLabel] + labels, value: value, to: &bytes)
        }
        let health = snapshot.health

        if let value = seriesValues[family.name] {
            for series in snapshot.usage?.series ?? [] {
                add([Label("service", series.key.service), Label("unit", series.key.unit), Label("currency", series.key.currency)], value(series))
            }
            return
        }
        switch family.name {
        case MetricCatalog.billingPeriodStart.name, MetricCatalog.billingPeriodEnd.name, MetricCatalog.forecastCost.name:
            guard let usage = snapshot.usage else { return }
            for (currency, start) in usage.billingPeriodStarts.sorted(by: { $0.key < $1.key }) {
                let value = switch family.name {
                case MetricCatalog.billingPeriodStart.name: start
                case MetricCatalog.billingPeriodEnd.name: usage.billingPeriodEnds[currency]
                default: usage.forecastCosts[currency]
                }
                add([Label("currency", currency)], value)
            }
        case MetricCatalog.records.name:
            add([], snapshot.usage.map { Double($0.recordCount) })
        case MetricCatalog.refreshErrors.name:
            // Every reason from the start, so increase() sees the very first failure too.
            for (reason, count) in health.errorsByReason.sorted(by: { $0.key < $1.key }) {
                add([Label("reason", reason.rawValue)], Double(count))
            }
        case MetricCatalog.apiRequests.name:
            for (code, count) in health.requestsByStatusCode.sorted(by: { String($0.key) < String($1.key) }) {
                add([Label("code", String(code))], Double(count))
            }
        case MetricCatalog.seriesDropped.name:
            add([], Double(health.seriesDropped))
        case MetricCatalog.up.name:
            add([], health.up.map { $0 ? 1 : 0 })
        case MetricCatalog.lastSuccess.name:
            // 0 until the first success, so data-age alerts also catch an account that never worked.
            if health.up != nil { add([], health.lastSuccessTime ?? 0) }
        case MetricCatalog.refreshDuration.name:
            add([], health.lastRefreshDurationSeconds)
        case MetricCatalog.nextRefresh.name:
            add([], health.nextRefreshTime)
        default:
            break
        }
    }

    /// A rough size of `snapshot`'s lines in all families, to size the body up front.
    static func estimatedBytes(of snapshot: AccountSnapshot) -> Int {
        2_048 + (snapshot.usage?.series.count ?? 0) * seriesValues.count * 160
    }

    /// The families with one sample per usage series, and the column each one shows.
    private static let seriesValues: [String: @Sendable (UsageSeries) -> Double?] = [
        MetricCatalog.contractedCost.name: { $0.contractedCost },
        MetricCatalog.cumulatedContractedCost.name: { $0.cumulatedContractedCost },
        MetricCatalog.consumedQuantity.name: { $0.consumedQuantity },
        MetricCatalog.pricingQuantity.name: { $0.pricingQuantity },
        MetricCatalog.cumulatedPricingQuantity.name: { $0.cumulatedPricingQuantity },
        MetricCatalog.chargePeriodStart.name: { $0.chargePeriodStart },
        MetricCatalog.chargePeriodEnd.name: { $0.chargePeriodEnd },
    ]
}
