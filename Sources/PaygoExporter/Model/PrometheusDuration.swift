/// Durations as Prometheus writes them: `90s`, `10m`, `1h30m`, `500ms`, `1d`.
public enum PrometheusDuration {
    private static let units: [(suffix: String, seconds: Double)] = [
        ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400), ("w", 604_800), ("y", 31_536_000),
    ]

    /// Seconds, or nil unless the text is one or more `<integer><unit>` parts in decreasing
    /// unit order.
    public static func seconds(_ text: String) -> Double? {
        guard !text.isEmpty else { return nil }
        var rest = Substring(text)
        var total = 0.0
        var lastUnitSeconds = Double.infinity
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            // "ms" before "m" so milliseconds are not read as minutes.
            guard let unit = units.sorted(by: { $0.suffix.count > $1.suffix.count }).first(where: { rest.hasPrefix($0.suffix) }),
                unit.seconds < lastUnitSeconds
            else { return nil }
            rest = rest.dropFirst(unit.suffix.count)
            lastUnitSeconds = unit.seconds
            total += value * unit.seconds
        }
        return total
    }

    /// The shortest Prometheus spelling of a duration: `10m`, `1h30m`, `90s`, `500ms`.
    public static func format(_ duration: Duration) -> String {
        var milliseconds = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds == 0 { return "0s" }
        var text = ""
        for (suffix, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)] as [(String, Int64)] {
            if milliseconds >= size {
                text += "\(milliseconds / size)\(suffix)"
                milliseconds %= size
            }
        }
        return text
    }
}
