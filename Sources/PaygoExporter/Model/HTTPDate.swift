/// HTTP's date format, IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT". Written
/// into the `Date` header of answers sent outside Hummingbird, read from `Retry-After`.
public enum HTTPDate {
    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// IMF-fixdate for a Unix time.
    public static func format(unixSeconds: Int) -> String {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : -((-unixSeconds + 86_399) / 86_400)
        let inDay = unixSeconds - days * 86_400
        let (year, month, day) = CivilCalendar.civilDate(fromDays: days)
        func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let weekday = weekdays[((days % 7) + 7) % 7]
        return "\(weekday), \(twoDigits(day)) \(months[month - 1]) \(year) "
            + "\(twoDigits(inDay / 3_600)):\(twoDigits(inDay / 60 % 60)):\(twoDigits(inDay % 60)) GMT"
    }

    /// The Unix time of an IMF-fixdate, or nil unless the text is exactly one. Years are four
    /// digits as the format has them, so no value from outside can overflow the arithmetic.
    /// The weekday is not checked against the date, as RFC 9110 lets recipients ignore it.
    public static func parse(_ text: String) -> Double? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].count == 4, parts[0].hasSuffix(","), weekdays.contains(String(parts[0].dropLast())),
            parts[5] == "GMT", parts[1].utf8.count == 2, parts[3].utf8.count == 4,
            let day = Int(parts[1]), let monthIndex = months.firstIndex(of: String(parts[2])), let year = Int(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, clock.allSatisfy({ $0.utf8.count == 2 && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
            let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
            (1...CivilCalendar.daysInMonth(year: year, month: monthIndex + 1)).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = CivilCalendar.daysFromCivil(year: year, month: monthIndex + 1, day: day)
        return Double(days) * 86_400 + Double(hour * 3_600 + minute * 60 + min(second, 59))
    }
}
