/// Every charge period of an account's history, per (service, unit, currency): what the live
/// exporter would have shown during each day, for backfilling.
struct DailyUsage: Sendable {
    /// Per series key, its days in order; records of the same day are summed.
    private(set) var series: [UsageSeriesKey: [UsageSeries]] = [:]
    /// Per currency and charge period start, the billing period it belongs to.
    private(set) var billingPeriodStarts: [String: [Double: Double]] = [:]
    /// Distinct series left out because the history held more than `maxSeries`.
    private(set) var droppedSeries = 0

    init(records: [UsageRecord], maxSeries: Int = AccountUsage.defaultMaxSeries) {
        var table = UsageSeriesTable(periods: .every, maxKeys: maxSeries)
        for record in records where table.add(record) != .dropped {
            if let start = record.billingPeriodStart {
                billingPeriodStarts[record.billingCurrency, default: [:]][record.chargePeriodStart] = start
            }
        }
        series = Dictionary(grouping: table.series, by: \.key).mapValues { $0.sorted { $0.chargePeriodStart < $1.chargePeriodStart } }
        droppedSeries = table.droppedKeyCount
    }
}
