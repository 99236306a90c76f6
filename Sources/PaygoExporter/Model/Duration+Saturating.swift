extension Duration {
    /// The longest duration the exporter ever waits, sleeps or schedules: a hundred years.
    /// Anything longer is a number from outside (a header, a body, a flag) that no conversion
    /// may trap on.
    public static let saturationCeiling: Duration = .seconds(100 * 366 * 86_400)

    /// `seconds` as a duration, clamped to `0...ceiling`; NaN reads as 0. Never traps, whatever
    /// the number (where `.milliseconds(Int64(seconds * 1000))` traps beyond Int64).
    public static func saturating(seconds: Double, ceiling: Duration = saturationCeiling) -> Duration {
        guard seconds > 0 else { return .zero }
        let limit = ceiling.seconds
        guard seconds < limit else { return ceiling }
        let whole = seconds.rounded(.down)
        return .seconds(Int64(whole)) + .nanoseconds(Int64(((seconds - whole) * 1e9).rounded()))
    }
}
