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

    /// Days since 1970-01-01 of a validated `YYYY-MM-DD` at `offset`.
    private static func parseDate<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, from offset: Int) -> Int? where Bytes.Index == Int {
        guard bytes.endIndex >= offset + 10,
            let year = number(bytes, offset, 4), bytes[offset + 4] == UInt8(ascii: "-"),
            let month = number(bytes, offset + 5, 2), bytes[offset + 7] == UInt8(ascii: "-"),
            let day = number(bytes, offset + 8, 2),
            (1...12).contains(month), day >= 1, day <= CivilCalendar.daysInMonth(year: year, month: month)
        else { return nil }
        return CivilCalendar.daysFromCivil(year: year, month: month, day: day)
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func number<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ offset: Int, _ width: Int) -> Int?
    where Bytes.Index == Int {
        guard offset + width <= bytes.endIndex else { return nil }
        var value = 0
        for index in offset..<(offset + width) {
            guard let digit = digitValue(bytes[index]) else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}
