/// One account's last good answer, reduced to what the exporter serves.
public struct AccountUsage: Sendable, Hashable {
    /// Sorted by key.
    public private(set) var series: [UsageSeries]
    /// Start of the newest billing period seen per currency.
    public private(set) var billingPeriodStarts: [String: Double]
    /// Records in the answer, before aggregation.
    public private(set) var recordCount: Int

    /// Keeps, per (service, unit, currency), only the newest charge period, summing records
    /// that share it so no series is ever emitted twice.
    public init(records: [UsageRecord]) {
        var newest: [UsageSeriesKey: UsageSeries] = [:]
        var billingStarts: [String: Double] = [:]
        for record in records {
            let key = UsageSeriesKey(service: record.serviceName, unit: record.consumedUnit, currency: record.billingCurrency)
            if var existing = newest[key] {
                if record.chargePeriodStart > existing.chargePeriodStart {
                    newest[key] = UsageSeries(key: key, record: record)
                } else if record.chargePeriodStart == existing.chargePeriodStart {
                    existing.add(record)
                    newest[key] = existing
                }
            } else {
                newest[key] = UsageSeries(key: key, record: record)
            }
            if let start = record.billingPeriodStart {
                billingStarts[record.billingCurrency] = max(billingStarts[record.billingCurrency] ?? start, start)
            }
        }
        series = newest.values.sorted { $0.key < $1.key }
        billingPeriodStarts = billingStarts
        recordCount = records.count
    }
}
