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

    public var description: String { "\(fromText)..\(toText)" }
}
