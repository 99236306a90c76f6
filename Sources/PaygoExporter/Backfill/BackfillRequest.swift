/// The checked `backfill` flags: which days, and how often to repeat each day's value.
public struct BackfillRequest: Sendable, Hashable {
    public let range: UsageDateRange
    public let stepSeconds: Double

    /// - Parameters:
    ///   - to: the last day; nil means yesterday (the live exporter covers today).
    ///   - now: Unix seconds, for "yesterday" and the future check.
    public init(from: String, to: String?, step: String, now: Double) throws(ConfigurationError) {
        let last = to ?? CivilCalendar.formatDate(now - 86_400)
        guard let range = UsageDateRange(from: from, to: last) else {
            throw ConfigurationError(
                "--from \(from) and --to \(last) are not two YYYY-MM-DD dates in order", fix: "use e.g. --from 2026-08-01 --to 2026-10-31")
        }
        let today = Int((now / 86_400).rounded(.down))
        guard range.lastDay < today else {
            throw ConfigurationError(
                "--to \(last) is not before today (UTC)",
                fix: "backfill up to yesterday at most; today is still growing and the live exporter covers it")
        }
        guard let stepSeconds = PrometheusDuration.seconds(step), stepSeconds >= 1, stepSeconds <= 300 else {
            throw ConfigurationError(
                "--step \"\(step)\" is not between 1s and 5m", fix: "use e.g. 4m; wider gaps break lines in Prometheus graphs")
        }
        self.range = range
        self.stepSeconds = stepSeconds
    }
}
