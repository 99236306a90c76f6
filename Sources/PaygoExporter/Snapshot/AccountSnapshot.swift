/// Everything the exporter knows of one account: its last good usage and its refresh health.
public struct AccountSnapshot: Sendable, Hashable {
    public let account: AccountID
    /// The last good answer; kept through failures so a failing account keeps its series.
    public private(set) var usage: AccountUsage?
    public private(set) var health = AccountHealth()
    /// The newest name known for the account (`BillingAccountName`); nil while unknown.
    public internal(set) var accountName: String?
    /// Static labels from `--config.file`'s account_labels, on the account-info family only.
    public internal(set) var staticLabels: [String: String] = [:]
    /// What the info endpoint said; its billing cycle ends each billing period.
    public private(set) var billingInfo = AccountBillingInfo()

    /// False when the info endpoint says the usage API does not report on the account (not an
    /// error: it is not polled for usage until the next info call); nil while unknown.
    public var covered: Bool? { billingInfo.info?.covered }

    public init(account: AccountID) {
        self.account = account
    }

    /// The snapshot after one refresh: pure, so every transition is testable without I/O.
    /// - Parameters:
    ///   - maxStaleSeconds: after a failure, usage whose last success is older than this is
    ///     dropped rather than shown as current.
    ///   - nextRefreshTime: when the schedule refreshes the account next (Unix seconds).
    ///   - maxSeries: usage series kept from one answer; the rest are counted as dropped.
    ///   - byZone: whether usage is also broken down by zone (`--usage.by-zone`).
    public func applying(
        _ outcome: UsageFetchOutcome, finishedAt time: Double, durationSeconds: Double, maxStaleSeconds: Double = .infinity,
        nextRefreshTime: Double? = nil, maxSeries: Int = AccountUsage.defaultMaxSeries, byZone: Bool = false
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
            let usage = AccountUsage(
                records: records, now: time, maxSeries: maxSeries, billingCycle: billingInfo.billingCycle(at: time), byZone: byZone)
            next.usage = usage
            if let name = usage.accountName { next.accountName = name }
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

    /// The snapshot after an info call at `time`. A failure leaves the previous answer in force
    /// and is counted like a refresh's when `countingFailure` (the refresher leaves it out when
    /// the usage call failed too, so one refresh counts one error).
    public func applying(_ outcome: AccountInfoOutcome, at time: Double, countingFailure: Bool = true) -> AccountSnapshot {
        var next = self
        next.billingInfo.record(outcome, at: time)
        for code in outcome.responseCodes {
            next.health.requestsByStatusCode[code, default: 0] += 1
        }
        if case .failure(let error, _) = outcome, countingFailure {
            next.health.errorsByReason[error.reason, default: 0] += 1
        }
        return next
    }

    /// The snapshot after a refresh at `time` that skipped the usage call because the account
    /// is not covered: healthy, with no usage to serve.
    public func applyingNotCovered(finishedAt time: Double, durationSeconds: Double, nextRefreshTime: Double? = nil) -> AccountSnapshot {
        var next = self
        next.usage = nil
        next.health.up = true
        next.health.lastAttemptTime = time
        next.health.lastSuccessTime = time
        next.health.lastRefreshDurationSeconds = durationSeconds
        next.health.nextRefreshTime = nextRefreshTime
        next.health.lastError = nil
        return next
    }
}
