import PrometheusExposition

/// Writes history as OpenMetrics with timestamps, for `promtool tsdb create-blocks-from
/// openmetrics`: the live families and labels, each day's value repeated every `step` across
/// that day so graphs draw one continuous line into the live data, samples ascending per
/// series, `# EOF` at the end.
struct BackfillWriter {
    let sampling: BackfillSampling

    init(step: Double, notAfter: Double) {
        sampling = BackfillSampling(step: step, notAfter: notAfter)
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
        for family in BackfillSeries.all(usage) {
            var headerWritten = false
            for series in family {
                for day in series.days {
                    if !headerWritten {
                        ExpositionFormat.openMetrics.appendHeader(series.descriptor, to: &buffer)
                        headerWritten = true
                    }
                    try appendDay(day, name: series.descriptor.name, labels: series.labels)
                }
            }
        }
        ExpositionFormat.openMetrics.appendEnd(to: &buffer)
        try emit(&buffer)

        /// One day's value every `step`: the line up to the timestamp is rendered once and
        /// copied, since millions of samples differ only in their whole-second timestamps.
        func appendDay(_ day: BackfillSeries.Day, name: String, labels: [Label]) throws {
            var prefix: [UInt8] = []
            TextFormat.appendSample(name: name, labels: labels, value: day.value, to: &prefix)
            prefix[prefix.count - 1] = UInt8(ascii: " ")
            for time in sampling.times(of: day) {
                buffer.append(contentsOf: prefix)
                if time == time.rounded(.down), abs(time) < 1e15 {
                    Self.appendInteger(Int64(time), to: &buffer)
                } else {
                    buffer.append(contentsOf: TextFormat.formatValue(time).utf8)
                }
                buffer.append(UInt8(ascii: "\n"))
                try flushIfFull()
            }
        }
    }
}
