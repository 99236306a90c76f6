import PrometheusExposition

/// Writes history as OpenMetrics with timestamps, for `promtool tsdb create-blocks-from
/// openmetrics`: the live families and labels, each day's value repeated every `step` across
/// that day so graphs draw one continuous line into the live data, samples ascending per
/// series, `# EOF` at the end.
struct BackfillWriter {
    let step: Double
    /// No sample at or after this time (the live exporter covers from here on).
    let notAfter: Double

    /// The usage-series families the catalog marks as backfilled, in name order, with the
    /// column each reads: costs and quantities.
    private static let families: [(descriptor: MetricDescriptor, value: @Sendable (UsageSeries) -> Double?, pricingUnit: Bool)] =
        MetricCatalog.families.compactMap { family in
            guard family.backfilled, case .perUsageSeries(let value, let pricingUnit) = family.samples else { return nil }
            return (family.descriptor, value, pricingUnit)
        }

    private static func appendInteger(_ value: Int64, to output: inout [UInt8]) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: [UInt8] = []
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        output.append(contentsOf: digits.reversed())
    }

    /// Streams the whole file through `emit` in chunks of about a megabyte.
    func write(_ usage: [(AccountID, DailyUsage)], emit: (inout [UInt8]) throws -> Void) rethrows {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 21)
        func flushIfFull() throws {
            if buffer.count >= 1 << 20 {
                try emit(&buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        let accounts = usage.sorted { $0.0 < $1.0 }
        var headerWritten = Set<String>()
        func header(_ descriptor: MetricDescriptor) {
            if headerWritten.insert(descriptor.name).inserted {
                ExpositionFormat.openMetrics.appendHeader(descriptor, to: &buffer)
            }
        }
        // billing_period_start sorts first among these names.
        for (account, daily) in accounts {
            for (currency, starts) in daily.billingPeriodStarts.sorted(by: { $0.key < $1.key }) {
                header(MetricCatalog.billingPeriodStart)
                let labels = [Label("account_id", account.rawValue), Label("currency", currency)]
                for (dayStart, billingStart) in starts.sorted(by: { $0.key < $1.key }) {
                    try appendDay(
                        from: dayStart, to: dayStart + 86_400, name: MetricCatalog.billingPeriodStart.name, labels: labels,
                        value: billingStart)
                }
            }
        }
        for (descriptor, value, pricingUnit) in Self.families {
            for (account, daily) in accounts {
                for (_, days) in daily.series.sorted(by: { $0.key < $1.key }) {
                    // The newest day's labels, as the live series has them, for every day: one series.
                    guard let newest = days.last else { continue }
                    let labels = newest.labels(account: Label("account_id", account.rawValue), pricingUnit: pricingUnit)
                    for day in days {
                        guard let sampleValue = value(day) else { continue }
                        header(descriptor)
                        try appendDay(
                            from: day.chargePeriodStart, to: day.chargePeriodEnd, name: descriptor.name, labels: labels, value: sampleValue)
                    }
                }
            }
        }
        ExpositionFormat.openMetrics.appendEnd(to: &buffer)
        try emit(&buffer)

        /// One day's value every `step`: the line up to the timestamp is rendered once and
        /// copied, since millions of samples differ only in their whole-second timestamps.
        func appendDay(from start: Double, to end: Double, name: String, labels: [Label], value: Double) throws {
            var prefix: [UInt8] = []
            TextFormat.appendSample(name: name, labels: labels, value: value, to: &prefix)
            prefix[prefix.count - 1] = UInt8(ascii: " ")
            var time = start
            while time < end, time < notAfter {
                buffer.append(contentsOf: prefix)
                if time == time.rounded(.down), abs(time) < 1e15 {
                    Self.appendInteger(Int64(time), to: &buffer)
                } else {
                    buffer.append(contentsOf: TextFormat.formatValue(time).utf8)
                }
                buffer.append(UInt8(ascii: "\n"))
                time += step
                try flushIfFull()
            }
        }
    }
}
