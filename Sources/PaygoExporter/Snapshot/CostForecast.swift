/// Where a billing period's cost will land, from the daily costs so far.
///
/// Method: the cost so far plus a run rate times the time left, where the run rate is the
/// median daily cost of the last seven complete days. The median ignores a one-day spike, and
/// seven days follow a real change within half a week, where a mean over the whole period would
/// lag it for weeks.
public enum CostForecast {
    /// One charge period's cost.
    public struct Day: Sendable, Hashable {
        public var start: Double
        public var end: Double
        public var cost: Double

        public init(start: Double, end: Double, cost: Double) {
            self.start = start
            self.end = end
            self.cost = cost
        }
    }

    /// Days that make the run rate.
    public static let window = 7

    /// Projected cost at `periodEnd`, or nil before any day of the period is complete.
    public static func project(days: [Day], periodEnd: Double, now: Double) -> Double? {
        let complete = days.filter { $0.end <= now }.sorted { $0.start < $1.start }
        guard !complete.isEmpty else { return nil }
        let spent = days.reduce(0) { $0 + $1.cost }
        let recent = complete.suffix(window).map(\.cost).sorted()
        let middle = recent.count / 2
        let dailyRate = recent.count % 2 == 1 ? recent[middle] : (recent[middle - 1] + recent[middle]) / 2
        let daysLeft = max(0, periodEnd - now) / 86_400
        return spent + dailyRate * daysLeft
    }

    /// The end of a billing period that starts at `start`: the same day of the next month,
    /// clamped to that month's length (a period starting on 31 January ends on 28/29 February).
    public static func periodEnd(forStart start: Double) -> Double {
        let days = Int((start / 86_400).rounded(.down))
        let secondsIntoDay = start - Double(days) * 86_400
        let (year, month, day) = CivilCalendar.civilDate(fromDays: days)
        let (nextYear, nextMonth) = month == 12 ? (year + 1, 1) : (year, month + 1)
        let lastDay = CivilCalendar.daysInMonth(year: nextYear, month: nextMonth)
        let endDays = CivilCalendar.daysFromCivil(year: nextYear, month: nextMonth, day: min(day, lastDay))
        return Double(endDays) * 86_400 + secondsIntoDay
    }
}
