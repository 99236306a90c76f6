/// How refreshing one account has gone: what the health metrics and the landing page show.
public struct AccountHealth: Sendable, Hashable {
    /// Whether the last refresh succeeded; nil before the first one finished.
    public var up: Bool?
    public var lastAttemptTime: Double?
    public var lastSuccessTime: Double?
    public var lastRefreshDurationSeconds: Double?
    /// When the schedule refreshes the account next; nil outside the serving loop (`once`).
    public var nextRefreshTime: Double?
    /// The operator-facing message of the last failure, cleared by a success.
    public var lastError: String?
    public var requestsByStatusCode: [Int: Int] = [:]
    /// Usage series left out of successful answers so far (`--cloudflare.max-series-per-account`).
    public var seriesDropped = 0
    /// Every reason starts at zero so rate() works from the first failure on.
    public var errorsByReason: [RefreshFailureReason: Int] = Dictionary(
        uniqueKeysWithValues: RefreshFailureReason.allCases.map { ($0, 0) })

    public init() {}
}
