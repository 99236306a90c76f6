/// The small inline-SVG chart of one currency's daily cost over the current billing period:
/// one point per charge period, placed at its middle, across the whole period so the days still
/// to come show as room on the right. No script, no external asset; colours come from the
/// page's CSS, so it follows the light or dark scheme.
struct DailyCostChart: Sendable {
    /// The drawing's coordinate space (`viewBox`); the SVG scales to the page's width.
    static let width = 320.0
    static let height = 120.0
    static let plotLeft = 4.0
    static let plotRight = 316.0
    static let plotTop = 16.0
    static let plotBottom = 100.0

    var days: [CostForecast.Day]
    var currency: String
    var periodStart: Double?
    var periodEnd: Double?
    /// The newest data's time (the last successful refresh): a day ending later is partial.
    var asOf: Double?

    /// Where each day is drawn, in `days` order.
    var points: [(x: Double, y: Double)] {
        guard let first = days.first, let last = days.last else { return [] }
        let start = periodStart ?? first.start
        var end = max(periodEnd ?? last.end, last.end)
        if !(end > start) { end = start + 86_400 }
        let (low, high) = valueRange
        return days.map { day in
            let middle = day.start + (day.end - day.start) / 2
            let share = min(max((middle - start) / (end - start), 0), 1)
            let x = Self.plotLeft + share * (Self.plotRight - Self.plotLeft)
            let y = Self.plotBottom - (day.cost - low) / (high - low) * (Self.plotBottom - Self.plotTop)
            return (Self.rounded(x), Self.rounded(y))
        }
    }

    /// The costs the plot's bottom and top stand for: zero to the highest day, or lower when
    /// a day is a credit.
    var valueRange: (low: Double, high: Double) {
        let costs = days.map(\.cost).filter(\.isFinite)
        let low = min(costs.min() ?? 0, 0)
        let high = max(costs.max() ?? 0, 0)
        return high > low ? (low, high) : (low, low + 1)
    }

    /// The `<svg>` element, or a sentence when there is nothing to draw.
    func render() -> String {
        let points = self.points
        guard !points.isEmpty else { return "<p class=\"muted\">No daily records for this billing period yet.</p>" }
        let currency = HTMLEscaping.escape(currency)
        let peak = valueRange.high
        let coordinates = points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")
        let baseline = Self.number(Self.plotBottom)
        let first = points[0], last = points[points.count - 1]
        let summary = "Daily cost in \(currency), \(days.count) day\(days.count == 1 ? "" : "s"), highest \(HumanFormat.amount(peak))"
        var svg = """
            <svg class="chart" viewBox="0 0 \(Self.number(Self.width)) \(Self.number(Self.height))" role="img" \
            aria-label="\(summary)" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">
            <title>\(summary)</title>
            <line class="axis" x1="\(Self.number(Self.plotLeft))" y1="\(baseline)" x2="\(Self.number(Self.plotRight))" y2="\(baseline)"/>
            <text class="label" x="\(Self.number(Self.plotLeft))" y="11">\(currency) \(HumanFormat.amount(peak))</text>
            <polygon class="area" points="\(Self.number(first.x)),\(baseline) \(coordinates) \(Self.number(last.x)),\(baseline)"/>
            <polyline class="line" points="\(coordinates)"/>

            """
        for (day, point) in zip(days, points) {
            let partial = asOf.map { day.end > $0 } ?? false
            let label = "\(HumanFormat.date(day.start)): \(currency) \(HumanFormat.amount(day.cost))\(partial ? " so far" : "")"
            svg += """
                <circle class="\(partial ? "dot partial" : "dot")" cx="\(Self.number(point.x))" cy="\(Self.number(point.y))" r="2.5" \
                data-cost="\(HumanFormat.exact(day.cost))" data-start="\(HumanFormat.exact(day.start))"><title>\(label) \
                (\(HumanFormat.exact(day.cost)))</title></circle>

                """
        }
        if let periodStart, let periodEnd {
            svg += """
                <text class="label" x="\(Self.number(Self.plotLeft))" y="114">\(HumanFormat.date(periodStart))</text>
                <text class="label" x="\(Self.number(Self.plotRight))" y="114" text-anchor="end">\(HumanFormat.date(periodEnd))</text>

                """
        }
        return svg + "</svg>"
    }

    /// One decimal is a tenth of a pixel at the chart's natural size: finer only adds bytes.
    private static func rounded(_ value: Double) -> Double {
        value.isFinite ? (value * 10).rounded() / 10 : 0
    }

    private static func number(_ value: Double) -> String {
        HumanFormat.exact(value)
    }
}
