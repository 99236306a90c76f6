/// The proleptic Gregorian calendar in UTC, as Unix days and seconds: the one calendar every
/// stage uses (billing periods, forecasts, backfill windows, HTTP dates, log times).
///
/// Pure integer arithmetic on days since 1970-01-01, exact for every year the exporter can
/// parse (RFC 3339 and HTTP dates carry four-digit years).
public enum CivilCalendar {
    public static let secondsPerDay = 86_400

    /// `YYYY-MM-DD` for a Unix time, in UTC.
    public static func formatDate(_ unixSeconds: Double) -> String {
        let (year, month, day) = civilDate(fromDays: Int((unixSeconds / 86_400).rounded(.down)))
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time, in UTC, to whole seconds; for log lines.
    public static func formatDateTime(_ unixSeconds: Double) -> String {
        let seconds = Int((unixSeconds.isFinite ? min(max(unixSeconds, 0), 253_402_300_799) : 0).rounded(.down))
        let inDay = seconds % 86_400
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return formatDate(Double(seconds)) + "T\(pad(inDay / 3_600)):\(pad(inDay / 60 % 60)):\(pad(inDay % 60))Z"
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days: exact proleptic Gregorian arithmetic.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func civilDate(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
