/// One account's last good answer, reduced to what the exporter serves.
public struct AccountUsage: Sendable, Hashable {
    /// Sorted by key.
    public private(set) var series: [UsageSeries]
    /// Start of the newest billing period seen per currency.
    public private(set) var billingPeriodStarts: [String: Double]
    /// Records in the answer, before aggregation.
    public private(set) var recordCount: Int
    /// Per currency, the current billing period's end: the billing cycle's next start where
    /// the info endpoint gave an anchor, else the same day of the next month.
    public private(set) var billingPeriodEnds: [String: Double]
    /// Per currency, the projected cost at the end of the current billing period; absent until
    /// a day of the period is complete.
    public private(set) var forecastCosts: [String: Double]
    /// Per currency, the current billing period's cost per charge period (a UTC day in practice),
    /// oldest first: what the landing page's chart draws. At most `maxDailyCosts` per currency,
    /// the newest ones.
    public private(set) var dailyCosts: [String: [CostForecast.Day]]
    /// Distinct usage series left out because the answer held more than `maxSeries`.
    public private(set) var droppedSeries: Int
    /// The newest `BillingAccountName` in the answer; nil when no record names the account.
    public private(set) var accountName: String?
    /// Per zone, the newest charge period of each series; empty unless asked for
    /// (`--usage.by-zone`). Sorted by series key, then zone id.
    public private(set) var zoneSeries: [ZoneUsageSeries] = []
    /// Whether any record's billed, effective or list cost differed from its contracted cost.
    public private(set) var otherCostDiffers: Bool

    /// The default cap on usage series per account (`--cloudflare.max-series-per-account`).
    public static let defaultMaxSeries = 10_000

    /// Charge periods kept per currency in `dailyCosts`: a billing period has at most 31 days,
    /// so only answers with shorter charge periods than a day are cut.
    public static let maxDailyCosts = 62

    /// Keeps, per (service, unit, currency), only the newest charge period, summing records
    /// that share it so no series is ever emitted twice; and, per currency, the daily costs of
    /// the current billing period for the forecast at `now` (Unix seconds).
    ///
    /// At most `maxSeries` series are kept, the first ones the answer lists; the records of
    /// any further series are left out of everything (series, billing periods and forecast) and
    /// counted in `droppedSeries`, so a hostile answer cannot grow the exposition without bound.
    ///
    /// - Parameters:
    ///   - billingCycle: the account's cycle from the info endpoint, which ends each period;
    ///     nil for the calendar rule.
    ///   - byZone: also break each series' newest period down by zone, capped by `maxSeries` too.
    public init(
        records: [UsageRecord], now: Double = .infinity, maxSeries: Int = AccountUsage.defaultMaxSeries,
        billingCycle: BillingCycle? = nil, byZone: Bool = false
    ) {
        var table = UsageSeriesTable(periods: .newest, maxKeys: maxSeries)
        var billingStarts: [String: Double] = [:]
        // Per currency, charge period start -> (end, cost, billing period start).
        var days: [(currency: String, days: [Double: (end: Double, cost: Double, billingStart: Double?)])] = []
        var dayIndexByCurrency: [String: Int] = [:]
        var lastCurrency: Int?
        var name: (period: Double, text: String)?
        var otherCostDiffers = false
        for record in records {
            // Older periods of a series still count towards the billing period and forecast.
            guard table.add(record) != .dropped else { continue }
            if let text = record.details.billingAccountName, record.chargePeriodStart >= name?.period ?? -.infinity {
                name = (record.chargePeriodStart, text)
            }
            otherCostDiffers = otherCostDiffers || record.details.otherCostDiffers
            if let start = record.billingPeriodStart {
                billingStarts[record.billingCurrency] = max(billingStarts[record.billingCurrency] ?? start, start)
            }
            Self.addDay(record, to: &days, indexByCurrency: &dayIndexByCurrency, last: &lastCurrency)
        }
        accountName = name?.text
        self.otherCostDiffers = otherCostDiffers
        var series = table.series.sorted { $0.key < $1.key }
        var dropped = table.droppedKeyCount
        if byZone {
            (zoneSeries, dropped) = Self.zoneBreakdown(of: records, series: &series, maxSeries: maxSeries, dropped: dropped)
        }
        droppedSeries = dropped
        self.series = series
        billingPeriodStarts = billingStarts
        recordCount = records.count
        var ends: [String: Double] = [:]
        var forecasts: [String: Double] = [:]
        var daily: [String: [CostForecast.Day]] = [:]
        for (currency, start) in billingStarts {
            let end = billingCycle?.periodEnd(forStart: start) ?? BillingCycle.calendarPeriodEnd(forStart: start)
            ends[currency] = end
            let current = (dayIndexByCurrency[currency].map { days[$0].days } ?? [:]).compactMap { dayStart, day -> CostForecast.Day? in
                guard dayStart >= start, dayStart < end, day.billingStart.map({ $0 == start }) ?? true else { return nil }
                return CostForecast.Day(start: dayStart, end: day.end, cost: day.cost)
            }
            daily[currency] = Array(current.sorted { $0.start < $1.start }.suffix(Self.maxDailyCosts))
            if now.isFinite, let forecast = CostForecast.project(days: current, periodEnd: end, now: now) {
                forecasts[currency] = forecast
            }
        }
        billingPeriodEnds = ends
        forecastCosts = forecasts
        dailyCosts = daily
    }

    private static func addDay(
        _ record: UsageRecord,
        to days: inout [(currency: String, days: [Double: (end: Double, cost: Double, billingStart: Double?)])],
        indexByCurrency: inout [String: Int],
        last: inout Int?
    ) {
        let index: Int
        if let last, days[last].currency == record.billingCurrency {
            index = last
        } else if let found = indexByCurrency[record.billingCurrency] {
            index = found
        } else {
            index = days.count
            indexByCurrency[record.billingCurrency] = index
            days.append((record.billingCurrency, [:]))
        }
        last = index
        var day = days[index].days[record.chargePeriodStart] ?? (record.chargePeriodEnd, 0, record.billingPeriodStart)
        day.end = max(day.end, record.chargePeriodEnd)
        day.cost += record.contractedCost
        days[index].days[record.chargePeriodStart] = day
    }
}
