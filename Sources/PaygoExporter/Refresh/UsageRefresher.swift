import Foundation
import Logging
import ServiceLifecycle

/// Polls every account on its slot of the refresh schedule and records each outcome in the
/// store.
///
/// Each account runs its own loop, so a slow or failing account never delays another beyond
/// the shared limits, and one account's refreshes never overlap. The first refresh of every
/// account goes at once (paced by the request budget); later ones are spread evenly over the
/// interval. Scrapes never wait for it: they read the store.
public struct UsageRefresher: Service {
    /// Refreshes in flight at once; AsyncHTTPClient keeps at most 8 connections per host.
    public static let maxConcurrentRefreshes = 8

    private let store: SnapshotStore
    private let source: any UsageSource
    public let schedule: RefreshSchedule
    private let maxStaleSeconds: Double
    private let maxSeriesPerAccount: Int
    private let concurrency = ConcurrencyLimit(limit: Self.maxConcurrentRefreshes)
    private let clock: any ExporterClock
    private let logger: Logger

    /// - Parameters:
    ///   - rateLimit: the token's request budget, which may stretch the interval; nil when
    ///     nothing limits requests (demo).
    ///   - maxStaleSeconds: how long a failing account's last good usage stays served.
    ///   - maxSeriesPerAccount: usage series kept from one answer; the rest are dropped and counted.
    ///   - jitter: each account's offset in its slot (see `RefreshSchedule`); random when nil.
    public init(
        store: SnapshotStore, source: any UsageSource, interval: Duration, rateLimit: RequestRate?,
        maxStaleSeconds: Double = .infinity, maxSeriesPerAccount: Int = AccountUsage.defaultMaxSeries,
        jitter: [Double]? = nil, clock: any ExporterClock = SystemClock(), logger: Logger
    ) {
        self.store = store
        self.source = source
        var random = SystemRandomNumberGenerator()
        schedule = RefreshSchedule(
            accountCount: store.accounts.count, interval: interval, rate: rateLimit,
            jitter: jitter ?? store.accounts.map { _ in Double.random(in: 0..<1, using: &random) })
        self.clock = clock
        self.maxStaleSeconds = maxStaleSeconds
        self.maxSeriesPerAccount = maxSeriesPerAccount
        self.logger = logger
    }

    public func run() async throws {
        if schedule.isStretched {
            logger.warning(
                "refresh interval stretched to stay within the API rate limit",
                metadata: [
                    "accounts": "\(schedule.accountCount)",
                    "configured_interval": "\(PrometheusDuration.format(schedule.configuredInterval))",
                    "effective_interval": "\(PrometheusDuration.format(schedule.effectiveInterval))",
                    "fix": "raise --cloudflare.rate-limit if the token has room, or accept the longer interval",
                ])
        }
        let start = clock.now
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for (index, account) in store.accounts.enumerated() {
                    group.addTask { await refreshForever(account, index: index, start: start) }
                }
            }
        }
    }

    /// Refreshes every account once, within the same limits; for `once`.
    public func refreshAllOnce() async {
        await withDiscardingTaskGroup { group in
            for account in store.accounts {
                group.addTask { await refreshOnce(account, nextRefreshTime: nil) }
            }
        }
    }

    private func refreshForever(_ account: AccountID, index: Int, start: ContinuousClock.Instant) async {
        while !Task.isCancelled {
            let nextSlot = { schedule.nextSlot(ofAccountAt: index, after: clock.now, start: start) }
            await refreshOnce(account, nextRefreshTime: nextSlot)
            do {
                try await clock.sleep(until: nextSlot())
            } catch {
                return
            }
        }
    }

    /// One fetch of one account, recorded in the store with when the next one is due.
    private func refreshOnce(_ account: AccountID, nextRefreshTime: (() -> ContinuousClock.Instant)?) async {
        guard
            let (outcome, seconds) = await concurrency.run({ () async -> (UsageFetchOutcome, Double) in
                let started = clock.now
                let outcome = await source.fetchUsage(for: account)
                return (outcome, (clock.now - started).seconds)
            }), !Task.isCancelled
        else { return }
        let maxStaleSeconds = maxStaleSeconds
        let maxSeries = maxSeriesPerAccount
        let finished = clock.unixTime
        let now = clock.now
        let next = nextRefreshTime.map { finished + now.duration(to: $0()).seconds }
        var dropped = 0
        store.update(account) {
            let updated = $0.applying(
                outcome, finishedAt: finished, durationSeconds: seconds, maxStaleSeconds: maxStaleSeconds, nextRefreshTime: next,
                maxSeries: maxSeries)
            dropped = updated.health.seriesDropped - $0.health.seriesDropped
            return updated
        }
        switch outcome.result {
        case .success(let records):
            logger.debug(
                "refreshed usage",
                metadata: [
                    "account_id": "\(account)", "records": "\(records.count)", "duration_seconds": "\(seconds)",
                ])
            if dropped > 0 {
                logger.warning(
                    "answer held more usage series than allowed; the rest were dropped",
                    metadata: [
                        "account_id": "\(account)", "dropped_series": "\(dropped)", "max_series_per_account": "\(maxSeries)",
                        "fix":
                            "if the account really has this many services, units and currencies, raise --cloudflare.max-series-per-account",
                    ])
            }
        case .failure(let error):
            logger.error(
                "refresh failed",
                metadata: [
                    "account_id": "\(account)", "reason": "\(error.reason.rawValue)", "error": "\(error)",
                ])
        }
    }
}
