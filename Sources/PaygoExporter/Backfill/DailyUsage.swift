/// Every charge period of an account's history, per (service, unit, currency): what the live
/// exporter would have shown during each day, for backfilling.
struct DailyUsage: Sendable {
    /// Per series key, its days in order; records of the same day are summed.
    private(set) var series: [UsageSeriesKey: [UsageSeries]] = [:]
    /// Per currency and charge period start, the billing period it belongs to.
    private(set) var billingPeriodStarts: [String: [Double: Double]] = [:]

    init(records: [UsageRecord]) {
        var days: [UsageSeriesKey: [Double: UsageSeries]] = [:]
        for record in records {
            let key = UsageSeriesKey(service: record.serviceName, unit: record.consumedUnit, currency: record.billingCurrency)
            if var existing = days[key]?[record.chargePeriodStart] {
                existing.add(record)
                days[key]?[record.chargePeriodStart] = existing
            } else {
                days[key, default: [:]][record.chargePeriodStart] = UsageSeries(key: key, record: record)
            }
            if let start = record.billingPeriodStart {
                billingPeriodStarts[record.billingCurrency, default: [:]][record.chargePeriodStart] = start
            }
        }
        series = days.mapValues { $0.values.sorted { $0.chargePeriodStart < $1.chargePeriodStart } }
    }
}
