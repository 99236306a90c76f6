/// The `from`/`to` query of a usage call: whole UTC days, both inclusive.
public struct UsageDateRange: Sendable, Hashable, CustomStringConvertible {
    /// Cloudflare refuses wider ranges.
    public static let maxDays = 62

    /// Days since 1970-01-01.
    public let firstDay: Int
    public let lastDay: Int

    public init?(firstDay: Int, lastDay: Int) {
        guard firstDay <= lastDay else { return nil }
        self.firstDay = firstDay
        self.lastDay = lastDay
    }

    /// Parses two `YYYY-MM-DD` dates.
    public init?(from: String, to: String) {
        guard let first = RFC3339Timestamp.parseDate(from), let last = RFC3339Timestamp.parseDate(to) else { return nil }
        self.init(firstDay: Int(first / 86_400), lastDay: Int(last / 86_400))
    }

    public var dayCount: Int { lastDay - firstDay + 1 }

    public var fromText: String { CivilCalendar.formatDate(Double(firstDay) * 86_400) }
    public var toText: String { CivilCalendar.formatDate(Double(lastDay) * 86_400) }

    /// Consecutive ranges of at most `maxDays` days covering this one, in order.
    public func windows(maxDays: Int = UsageDateRange.maxDays) -> [UsageDateRange] {
        stride(from: firstDay, through: lastDay, by: maxDays).map { start in
            UsageDateRange(firstDay: start, lastDay: min(start + maxDays - 1, lastDay))!
        }
    }

    /// Consecutive ranges of whole billing periods of `cycle`, each starting on a period's first
    /// day and spanning at most `maxDays` days, that cover this range: today's usage path
    /// answers only ranges that include the billing cycle's anchor day. The first range may
    /// start before `firstDay` (on the first day of its period); the caller keeps the days it
    /// asked for.
    public func windows(startingOnPeriodsOf cycle: BillingCycle, maxDays: Int = UsageDateRange.maxDays) -> [UsageDateRange] {
        func day(_ seconds: Double) -> Int { Int((seconds / 86_400).rounded(.down)) }
        var windows: [UsageDateRange] = []
        var start = day(cycle.period(containing: Double(firstDay) * 86_400 + 43_200).start)
        while start <= lastDay {
            // As many whole periods as fit; one always does, as no period is longer than 31 days.
            var end = min(day(cycle.period(containing: Double(start) * 86_400 + 43_200).end), start + maxDays)
            while true {
                let next = day(cycle.period(containing: Double(end) * 86_400 + 43_200).end)
                guard next - start <= maxDays, end <= lastDay else { break }
                end = next
            }
            guard end > start, let window = UsageDateRange(firstDay: start, lastDay: min(end - 1, lastDay)) else { break }
            windows.append(window)
            start = end
        }
        return windows
    }

    public var description: String { "\(fromText)..\(toText)" }
}
