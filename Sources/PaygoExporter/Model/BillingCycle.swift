/// A subscription's billing periods, derived from its billing-cycle anchor: every period starts
/// on the anchor's day of the month, or on the month's last day where the month is shorter, at
/// the anchor's time of day.
///
/// Each start is computed from the anchor itself, never from the previous period's start, so
/// an anchor on the 31st goes Jan 31 -> Feb 28 (29 in a leap year) -> Mar 31, where adding a
/// month to each start would drift to the 28th for good. Cloudflare gives no period end for
/// this reason ("deriving it by calendar arithmetic drifts for billing cycle anchors on day
/// 29-31").
public struct BillingCycle: Sendable, Hashable {
    /// Unix seconds of the anchor.
    public let anchor: Double
    private let anchorYear: Int
    private let anchorMonth: Int
    private let anchorDay: Int
    private let secondsIntoDay: Double

    public init(anchor: Double) {
        self.anchor = anchor
        let days = Int((anchor / 86_400).rounded(.down))
        (anchorYear, anchorMonth, anchorDay) = CivilCalendar.civilDate(fromDays: days)
        secondsIntoDay = anchor - Double(days) * 86_400
    }

    /// The start of the period `offset` months after the anchor's (negative: before it).
    public func periodStart(monthsFromAnchor offset: Int) -> Double {
        let monthIndex = anchorYear * 12 + (anchorMonth - 1) + offset
        let year = monthIndex >= 0 ? monthIndex / 12 : (monthIndex - 11) / 12
        let month = monthIndex - year * 12 + 1
        let day = min(anchorDay, CivilCalendar.daysInMonth(year: year, month: month))
        return Double(CivilCalendar.daysFromCivil(year: year, month: month, day: day)) * 86_400 + secondsIntoDay
    }

    /// The months from the anchor's period to the period holding `time`.
    private func offset(containing time: Double) -> Int {
        let (year, month, _) = CivilCalendar.civilDate(fromDays: Int((time / 86_400).rounded(.down)))
        // The calendar month difference is right or one too many; one step settles it.
        var offset = (year - anchorYear) * 12 + (month - anchorMonth)
        if periodStart(monthsFromAnchor: offset) > time { offset -= 1 }
        return offset
    }

    /// The period holding `time`: its start (inclusive) and end (exclusive), Unix seconds.
    public func period(containing time: Double) -> (start: Double, end: Double) {
        let offset = offset(containing: time)
        return (periodStart(monthsFromAnchor: offset), periodStart(monthsFromAnchor: offset + 1))
    }

    /// The end of the period that starts at `start`: the first period start after it. A start
    /// that is not one of this cycle's (an answer that disagrees with the anchor) still ends at
    /// the cycle's next start, so an end is never before its start.
    public func periodEnd(forStart start: Double) -> Double {
        period(containing: start).end
    }

    /// The rule where no anchor is known (the older paths, which have no info endpoint): the
    /// same day of the next month, clamped to that month's length.
    public static func calendarPeriodEnd(forStart start: Double) -> Double {
        BillingCycle(anchor: start).periodStart(monthsFromAnchor: 1)
    }
}
