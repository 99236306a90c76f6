import PrometheusExposition

/// One backfilled series as every output writes it (the OpenMetrics file, remote write): its
/// family, the live exporter's labels, and each day's value over that day's span.
struct BackfillSeries: Sendable {
    struct Day: Sendable, Hashable {
        /// Unix seconds, start inclusive, end exclusive.
        let start: Double
        let end: Double
        let value: Double
    }

    let descriptor: MetricDescriptor
    /// In the exposition's order (account_id, service, unit, currency), as the live exporter
    /// writes them.
    let labels: [Label]
    let days: [Day]

    /// The usage-series families the catalog marks as backfilled, in catalog order, with the
    /// column each reads: costs and quantities.
    private static let usageFamilies: [(descriptor: MetricDescriptor, value: @Sendable (UsageSeries) -> Double?, pricingUnit: Bool)] =
        MetricCatalog.families.compactMap { family in
            guard family.backfilled, case .perUsageSeries(let value, let pricingUnit) = family.samples else { return nil }
            return (family.descriptor, value, pricingUnit)
        }

    /// Every backfilled series of `usage`, grouped by family (billing_period_start first, as it
    /// sorts first among these names), each family's accounts in id order: the order a file
    /// needs, where a family's lines must stay together.
    static func all(_ usage: [(AccountID, DailyUsage)]) -> [[BackfillSeries]] {
        let accounts = usage.sorted { $0.0 < $1.0 }
        var families: [[BackfillSeries]] = []
        families.append(
            accounts.flatMap { account, daily in
                daily.billingPeriodStarts.sorted(by: { $0.key < $1.key }).map { currency, starts in
                    BackfillSeries(
                        descriptor: MetricCatalog.billingPeriodStart,
                        labels: [Label("account_id", account.rawValue), Label("currency", currency)],
                        days: starts.sorted(by: { $0.key < $1.key }).map { Day(start: $0.key, end: $0.key + 86_400, value: $0.value) })
                }
            })
        for (descriptor, value, pricingUnit) in usageFamilies {
            families.append(
                accounts.flatMap { account, daily in
                    daily.series.sorted(by: { $0.key < $1.key }).compactMap { _, days -> BackfillSeries? in
                        let spans = days.compactMap { day in
                            value(day).map { Day(start: day.chargePeriodStart, end: day.chargePeriodEnd, value: $0) }
                        }
                        // The newest day's labels, as the live series has them, for every day: one series.
                        guard !spans.isEmpty, let newest = days.last else { return nil }
                        return BackfillSeries(
                            descriptor: descriptor,
                            labels: newest.labels(account: Label("account_id", account.rawValue), pricingUnit: pricingUnit),
                            days: spans)
                    }
                })
        }
        return families.filter { !$0.isEmpty }
    }
}

/// Where a day's value is repeated: every `step` seconds from the day's start, up to its end
/// and never at or after `notAfter` (the live exporter covers from there on).
struct BackfillSampling: Sendable, Hashable {
    let step: Double
    let notAfter: Double

    /// Each sample time of `day`, ascending: the same instants in every output, so a file and
    /// remote write of the same days hold the same samples.
    func times(of day: BackfillSeries.Day) -> StrideTo<Double> {
        stride(from: day.start, to: max(day.start, min(day.end, notAfter)), by: step)
    }

    /// About how many samples `times(of:)` gives for `day`, for progress estimates.
    func estimatedCount(of day: BackfillSeries.Day) -> Int {
        let end = min(day.end, notAfter)
        guard end > day.start, step > 0 else { return 0 }
        return Int(min(((end - day.start) / step).rounded(.up), 1e12))
    }
}
