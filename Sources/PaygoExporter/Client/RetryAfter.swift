/// Reads a `Retry-After` header (RFC 9110 §10.2.3): delay seconds or an HTTP date.
///
/// The header is untrusted: a delay of any number of digits reads as that many seconds, up to
/// `+infinity`, and a date outside the years 1 to 9999 (IMF-fixdate's four digits) is refused,
/// so no value can overflow the calendar arithmetic. Callers cap what they wait.
enum RetryAfter {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Seconds to wait from `now` (Unix seconds), never negative, possibly infinite; nil if the
    /// header is unusable.
    static func seconds(_ header: String?, now: Double) -> Double? {
        guard let text = header?.trimmingCharacters(in: " \t"), !text.isEmpty, text.utf8.count <= 64 else { return nil }
        if text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            return Double(text)
        }
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT", parts[1].utf8.count == 2, parts[3].utf8.count == 4,
              let day = Int(parts[1]), let monthIndex = months.firstIndex(of: String(parts[2])), let year = Int(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { $0.utf8.count == 2 ? Int($0) : nil }
        guard clock.count == 3, (1...RFC3339Timestamp.daysInMonth(year: year, month: monthIndex + 1)).contains(day),
              clock[0] < 24, clock[1] < 60, clock[2] < 61
        else { return nil }
        let date = Double(RFC3339Timestamp.daysFromCivil(year: year, month: monthIndex + 1, day: day)) * 86_400
            + Double(clock[0] * 3_600 + clock[1] * 60 + clock[2])
        return max(0, date - now)
    }
}
