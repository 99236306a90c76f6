/// Sizes as flags spell them: `1048576`, `512KiB`, `64MiB`, `1GiB`, or the decimal `KB`/`MB`/`GB`.
public enum ByteSize {
    private static let units: [(suffix: String, factor: Int)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
    ]

    public static func parse(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let value = Int(digits) else { return nil }
        let suffix = text.dropFirst(digits.count)
        if suffix.isEmpty { return value }
        guard let unit = units.first(where: { $0.suffix == suffix }) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: unit.factor)
        return overflow ? nil : product
    }
}
