/// Parses RFC 3339 timestamps (`2025-02-01T00:00:00Z`, with optional fraction and offset) and
/// `YYYY-MM-DD` dates into Unix seconds.
///
/// Hand-written because the formats are tiny and fixed, and Foundation's formatters are both
/// slow on hot decode paths and lenient in ways an invoice should not be.
public enum RFC3339Timestamp {
    /// Unix seconds for an RFC 3339 date-time, or nil if the text is not one.
    public static func parse(_ text: String) -> Double? {
        parse(utf8: Array(text.utf8))
    }

    /// Unix seconds for the UTF-8 bytes of an RFC 3339 date-time, or nil if they are not one.
    /// Reads the bytes where they are: the decoder calls it once per record.
    static func parse<Bytes: RandomAccessCollection<UInt8>>(utf8 bytes: Bytes) -> Double? where Bytes.Index == Int {
        // RFC 3339 allows a lower-case t/z and a space separator in some profiles; accept those.
        let base = bytes.startIndex
        guard bytes.count >= 20, let days = parseDate(bytes, from: base),
              bytes[base + 10] | 0x20 == UInt8(ascii: "t") || bytes[base + 10] == UInt8(ascii: " "),
              let hour = number(bytes, base + 11, 2), bytes[base + 13] == UInt8(ascii: ":"),
              let minute = number(bytes, base + 14, 2), bytes[base + 16] == UInt8(ascii: ":"),
              let second = number(bytes, base + 17, 2),
              hour < 24, minute < 60, second < 61
        else { return nil }
        var index = base + 19
        var fraction = 0.0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.endIndex, let digit = digitValue(bytes[index]) {
                fraction += Double(digit) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.endIndex else { return nil }
        var offsetSeconds = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.endIndex, let offsetHour = number(bytes, index + 1, 2),
                  bytes[index + 3] == UInt8(ascii: ":"), let offsetMinute = number(bytes, index + 4, 2),
                  offsetHour < 24, offsetMinute < 60
            else { return nil }
            offsetSeconds = (offsetHour * 60 + offsetMinute) * 60 * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == bytes.endIndex else { return nil }
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + min(second, 59) - offsetSeconds
        return Double(seconds) + fraction
    }

    /// Unix seconds of midnight UTC for a `YYYY-MM-DD` date, or nil if the text is not one.
    public static func parseDate(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, let days = parseDate(bytes, from: 0) else { return nil }
        return Double(days * 86_400)
    }

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

    /// Days since 1970-01-01 of a validated `YYYY-MM-DD` at `offset`.
    private static func parseDate<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, from offset: Int) -> Int? where Bytes.Index == Int {
        guard bytes.endIndex >= offset + 10,
              let year = number(bytes, offset, 4), bytes[offset + 4] == UInt8(ascii: "-"),
              let month = number(bytes, offset + 5, 2), bytes[offset + 7] == UInt8(ascii: "-"),
              let day = number(bytes, offset + 8, 2),
              (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month)
        else { return nil }
        return daysFromCivil(year: year, month: month, day: day)
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func number<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ offset: Int, _ width: Int) -> Int? where Bytes.Index == Int {
        guard offset + width <= bytes.endIndex else { return nil }
        var value = 0
        for index in offset..<(offset + width) {
            guard let digit = digitValue(bytes[index]) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days: exact proleptic Gregorian arithmetic.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilDate(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
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
