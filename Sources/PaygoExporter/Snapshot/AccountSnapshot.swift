/// Everything the exporter knows of one account: its last good usage and its refresh health.
public struct AccountSnapshot: Sendable, Hashable {
    public let account: AccountID
    /// The last good answer; kept through failures so a failing account keeps its series.
    public private(set) var usage: AccountUsage?
    public private(set) var health = AccountHealth()
    /// The newest known name of the account; nil while unknown.
    public var accountName: String?
    /// False when the account is not a PayGo account this API reports on (not an error); nil
    /// while unknown.
    public var covered: Bool?

    public init(account: AccountID) {
        self.account = account
    }

    /// The snapshot after one refresh: pure, so every transition is testable without I/O.
    /// - Parameters:
    ///   - maxStaleSeconds: after a failure, usage whose last success is older than this is
    ///     dropped rather than shown as current.
    ///   - nextRefreshTime: when the schedule refreshes the account next (Unix seconds).
    ///   - maxSeries: usage series kept from one answer; the rest are counted as dropped.
    public func applying(
        _ outcome: UsageFetchOutcome, finishedAt time: Double, durationSeconds: Double, maxStaleSeconds: Double = .infinity,
        nextRefreshTime: Double? = nil, maxSeries: Int = AccountUsage.defaultMaxSeries
    ) -> AccountSnapshot {
        var next = self
        next.health.lastAttemptTime = time
        next.health.nextRefreshTime = nextRefreshTime
        next.health.lastRefreshDurationSeconds = durationSeconds
        for code in outcome.responseCodes {
            next.health.requestsByStatusCode[code, default: 0] += 1
        }
        switch outcome.result {
        case .success(let records):
            let usage = AccountUsage(records: records, now: time, maxSeries: maxSeries)
            next.usage = usage
            next.health.seriesDropped += usage.droppedSeries
            next.health.up = true
            next.health.lastSuccessTime = time
            next.health.lastError = nil
        case .failure(let error):
            next.health.up = false
            next.health.lastError = error.description
            next.health.errorsByReason[error.reason, default: 0] += 1
            if let lastSuccess = next.health.lastSuccessTime, time - lastSuccess > maxStaleSeconds {
                next.usage = nil
            }
        }
        return next
    }
}
