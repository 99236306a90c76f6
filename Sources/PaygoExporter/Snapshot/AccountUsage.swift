/// One account's last good answer, reduced to what the exporter serves.
public struct AccountUsage: Sendable, Hashable {
    /// Sorted by key.
    public private(set) var series: [UsageSeries]
    /// Start of the newest billing period seen per currency.
    public private(set) var billingPeriodStarts: [String: Double]
    /// Records in the answer, before aggregation.
    public private(set) var recordCount: Int
    /// Per currency, the current billing period's end (start plus one month).
    public private(set) var billingPeriodEnds: [String: Double]
    /// Per currency, the projected cost at the end of the current billing period; absent until
    /// a day of the period is complete.
    public private(set) var forecastCosts: [String: Double]

    /// Keeps, per (service, unit, currency), only the newest charge period, summing records
    /// that share it so no series is ever emitted twice; and, per currency, the daily costs of
    /// the current billing period for the forecast at `now` (Unix seconds).
    public init(records: [UsageRecord], now: Double = .infinity) {
        var newest: [UsageSeriesKey: UsageSeries] = [:]
        var billingStarts: [String: Double] = [:]
        // currency -> charge period start -> (end, cost, billing period start)
        var days: [String: [Double: (end: Double, cost: Double, billingStart: Double?)]] = [:]
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
            var day = days[record.billingCurrency, default: [:]][record.chargePeriodStart]
                ?? (record.chargePeriodEnd, 0, record.billingPeriodStart)
            day.end = max(day.end, record.chargePeriodEnd)
            day.cost += record.contractedCost
            days[record.billingCurrency, default: [:]][record.chargePeriodStart] = day
        }
        series = newest.values.sorted { $0.key < $1.key }
        billingPeriodStarts = billingStarts
        recordCount = records.count
        var ends: [String: Double] = [:]
        var forecasts: [String: Double] = [:]
        for (currency, start) in billingStarts {
            let end = CostForecast.periodEnd(forStart: start)
            ends[currency] = end
            let current = (days[currency] ?? [:]).compactMap { dayStart, day -> CostForecast.Day? in
                guard dayStart >= start, dayStart < end, day.billingStart.map({ $0 == start }) ?? true else { return nil }
                return CostForecast.Day(start: dayStart, end: day.end, cost: day.cost)
            }
            if now.isFinite, let forecast = CostForecast.project(days: current, periodEnd: end, now: now) {
                forecasts[currency] = forecast
            }
        }
        billingPeriodEnds = ends
        forecastCosts = forecasts
    }
}
