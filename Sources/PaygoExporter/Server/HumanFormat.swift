import Foundation
import PrometheusExposition

/// Numbers and times as the landing page shows them to people: a currency code, a sensible
/// number of decimals and thousands separators. The exact value goes into a title attribute,
/// spelled as `/metrics` spells it, so the two can be compared character for character.
///
/// Deliberately not `NumberFormatter`: the page must read the same whatever the machine's
/// locale, and every input (NaN, infinities, 1e300 from a hostile answer) must format
/// without trapping.
enum HumanFormat {
    /// Beyond this, whole numbers no longer convert to `Int` exactly; such values are shown in
    /// exponent form rather than grouped.
    private static let largestGrouped = 1e15

    /// `USD 1,234.56`; amounts under one cent keep up to four significant digits
    /// (`USD 0.0042`) so that a small service's cost never reads as zero.
    static func money(_ value: Double, _ currency: String) -> String {
        "\(currency) \(amount(value))"
    }

    /// The number part of `money`.
    static func amount(_ value: Double) -> String {
        guard value.isFinite, abs(value) < largestGrouped else { return TextFormat.formatValue(value) }
        let magnitude = abs(value)
        if magnitude == 0 || magnitude >= 0.01 { return decimal(value, digits: 2, trimTo: 2) }
        let digits = min(10, Int(-log10(magnitude).rounded(.down)) + 3)
        return decimal(value, digits: digits, trimTo: 2)
    }

    /// A quantity: whole and grouped from 1,000 on, otherwise with up to three decimals.
    static func quantity(_ value: Double) -> String {
        guard value.isFinite, abs(value) < largestGrouped else { return TextFormat.formatValue(value) }
        if abs(value) >= 1_000 || value == value.rounded() { return decimal(value, digits: 0, trimTo: 0) }
        if abs(value) < 0.001 { return TextFormat.formatValue(value) }
        return decimal(value, digits: 3, trimTo: 0)
    }

    /// A share as a whole percentage: `41%`.
    static func percent(_ share: Double) -> String {
        guard share.isFinite, abs(share) < 1e6 else { return "-" }
        return "\(decimal(share * 100, digits: 0, trimTo: 0))%"
    }

    /// The value as `/metrics` writes it.
    static func exact(_ value: Double) -> String {
        TextFormat.formatValue(value)
    }

    /// `2026-12-02 06:41:05 UTC`, or `-` when there is no time.
    static func dateTime(_ unixSeconds: Double?) -> String {
        guard let unixSeconds, unixSeconds.isFinite else { return "-" }
        let text = CivilCalendar.formatDateTime(unixSeconds)
        return text.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    /// `2026-12-02`, in UTC.
    static func date(_ unixSeconds: Double) -> String {
        String(CivilCalendar.formatDateTime(unixSeconds).prefix(10))
    }

    /// `value` rounded to `digits` decimals, grouped by thousands, with trailing zeros dropped
    /// down to `trimTo` decimals.
    private static func decimal(_ value: Double, digits: Int, trimTo minimumDigits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        // Rounding can carry a value over the exactly convertible range; fall back to exponents.
        guard scaled < 9e18 else { return TextFormat.formatValue(value) }
        let units = UInt64(scaled)
        let whole = units / UInt64(scale)
        var fraction = digits > 0 ? String(units % UInt64(scale)) : ""
        fraction = String(repeating: "0", count: max(0, digits - fraction.count)) + fraction
        while fraction.count > minimumDigits, fraction.hasSuffix("0") { fraction.removeLast() }
        let sign = value < 0 && units != 0 ? "-" : ""
        return sign + grouped(whole) + (fraction.isEmpty ? "" : "." + fraction)
    }

    private static func grouped(_ number: UInt64) -> String {
        let digits = Array(String(number))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }
}
