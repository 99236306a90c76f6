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
    /// Refreshes in flight at once per credential; AsyncHTTPClient keeps at most 8
    /// connections per host.
    public static let maxConcurrentRefreshes = 8

    private let store: SnapshotStore
    private let source: any UsageSource
    /// The schedule for the accounts watched now; a metric source for the interval families.
    public let plan: RefreshPlan
    /// Told when discovery changes the watched accounts.
    private let accountChanges: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)
    private let running = RunningAccounts()
    private let maxStaleSeconds: Double
    private let maxSeriesPerAccount: Int
    private let byZone: Bool
    private let costDifferenceLogged = OncePerAccount()
    /// Accounts whose name was asked for, only while their answers give none.
    private let nameLookups = NameLookups()
    /// One limit per credential.
    private let lanes = ConcurrencyLanes(limit: Self.maxConcurrentRefreshes)
    private let credentialIndex: @Sendable (AccountID) -> Int
    private let clock: any ExporterClock
    private let logger: Logger

    /// - Parameters:
    ///   - credentials: each credential's name and request budget, which may stretch the
    ///     interval of its accounts; `[.unlimited]` when nothing limits requests (demo).
    ///   - maxStaleSeconds: how long a failing account's last good usage stays served.
    ///   - maxSeriesPerAccount: usage series kept from one answer; the rest are dropped and counted.
    ///   - byZone: also break usage down by zone (`--usage.by-zone`).
    ///   - jitter: each account's offset in its slot (see `RefreshSchedule`); random when nil.
    ///   - credentialIndex: which credential polls an account (its schedule and its refresh slots).
    public init(
        store: SnapshotStore, source: any UsageSource, interval: Duration, credentials: [RefreshPlan.Credential] = [.unlimited],
        maxStaleSeconds: Double = .infinity, maxSeriesPerAccount: Int = AccountUsage.defaultMaxSeries, byZone: Bool = false,
        jitter: [Double]? = nil, credentialIndex: @escaping @Sendable (AccountID) -> Int = { _ in 0 },
        clock: any ExporterClock = SystemClock(), logger: Logger
    ) {
        self.credentialIndex = credentialIndex
        self.store = store
        self.source = source
        let accounts = store.accounts
        plan = RefreshPlan(
            accounts: accounts, interval: interval, credentials: credentials, credentialIndex: credentialIndex,
            jitter: jitter.map { Dictionary(zip(accounts, $0), uniquingKeysWith: { first, _ in first }) } ?? [:])
        accountChanges = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.clock = clock
        self.maxStaleSeconds = maxStaleSeconds
        self.maxSeriesPerAccount = maxSeriesPerAccount
        self.byZone = byZone
        self.logger = logger
    }

    private func concurrency(for account: AccountID) -> ConcurrencyLimit {
        lanes.limit(of: credentialIndex(account))
    }

    /// The schedule in force for the first credential, or for the one that polls `account`
    /// (it changes with the watched accounts).
    public func schedule(of account: AccountID? = nil) -> RefreshSchedule { plan.schedule(of: account) }

    /// Call after changing the store's accounts or who polls them (discovery, a reload): new
    /// accounts get their first refresh at once, gone ones stop, and the schedules are planned
    /// again.
    ///
    /// - Parameter removed: the accounts the change removed from the store. Changes that come
    ///   together are planned for together; these loops are forgotten at once, so an account
    ///   removed and given back between two plans still gets its first refresh at once.
    public func watchedAccountsChanged(removed: [AccountID] = []) {
        if !removed.isEmpty {
            running.forget(removed)
        }
        accountChanges.continuation.yield()
    }

    public func run() async throws {
        for (credential, schedule) in plan.schedules { logIfStretched(schedule, credential: credential) }
        let start = clock.now
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                startLoops(for: store.accounts, in: &group, start: start)
                for await _ in accountChanges.stream {
                    let accounts = store.accounts
                    for (credential, schedule) in plan.update(accounts: accounts) {
                        logIfStretched(schedule, credential: credential)
                    }
                    let watched = Set(accounts)
                    running.forget(allBut: watched)
                    nameLookups.forget(allBut: watched)
                    startLoops(for: accounts, in: &group, start: start)
                }
            }
        }
    }

    /// A loop for every watched account that has none yet.
    private func startLoops(for accounts: [AccountID], in group: inout DiscardingTaskGroup, start: ContinuousClock.Instant) {
        for account in accounts {
            guard let loop = running.start(account) else { continue }
            group.addTask {
                await refreshForever(account, loop: loop, start: start)
                running.end(loop, of: account)
            }
        }
    }

    private func logIfStretched(_ schedule: RefreshSchedule, credential: String) {
        guard schedule.isStretched else { return }
        logger.warning(
            "refresh interval stretched to stay within the API rate limit",
            metadata: [
                "credential": "\(credential)", "accounts": "\(schedule.accountCount)",
                "configured_interval": "\(PrometheusDuration.format(schedule.configuredInterval))",
                "effective_interval": "\(PrometheusDuration.format(schedule.effectiveInterval))",
                "fix":
                    "raise the credential's rate limit (--cloudflare.rate-limit, or rate_limit in --config.file) if the token has room, or accept the longer interval",
            ])
    }

    /// Call when a reload changed the credentials' rates (in the configuration's order): their
    /// schedules are planned again, and a loop asleep on a slot the new plan moved later waits
    /// for its new one. One the new plan moved earlier is refreshed on its old slot once.
    public func rateLimitsChanged(_ rates: [RequestRate]) {
        for (credential, schedule) in plan.update(rates: rates) { logIfStretched(schedule, credential: credential) }
    }

    /// Refreshes every account once, within the same limits; for `once`.
    public func refreshAllOnce() async {
        await withDiscardingTaskGroup { group in
            for account in store.accounts {
                group.addTask { await refreshOnce(account, nextRefreshTime: nil) }
            }
        }
    }

    /// Refreshes `account` on its slot until it is no longer watched or the task is cancelled.
    private func refreshForever(_ account: AccountID, loop: UInt64, start: ContinuousClock.Instant) async {
        while !Task.isCancelled {
            // Planned again when the watched accounts change; nil once this one is gone. An
            // account that went and came back while this loop slept has a new loop.
            let nextSlot = { plan.nextSlot(of: account, after: clock.now, start: start) }
            guard running.isCurrent(loop, of: account), nextSlot() != nil else { return }
            await refreshOnce(account, nextRefreshTime: { nextSlot() ?? clock.now })
            let finished = clock.now
            // A plan made while this loop slept (discovery found more accounts) may have moved
            // the slot later: the one woken for is then no longer due, and refreshing on it
            // would spend calls the new plan gave to other accounts.
            while running.isCurrent(loop, of: account), let slot = plan.nextSlot(of: account, after: finished, start: start),
                slot > clock.now
            {
                do {
                    try await clock.sleep(until: slot)
                } catch {
                    return
                }
            }
        }
    }

    /// One refresh of one account, recorded in the store with when the next one is due: the
    /// info call first when it is due, then the usage call unless the account is not covered.
    private func refreshOnce(_ account: AccountID, nextRefreshTime: (() -> ContinuousClock.Instant)?) async {
        guard
            let (info, outcome, seconds) = await concurrency(for: account).run({
                () async -> (AccountInfoOutcome?, UsageFetchOutcome?, Double) in
                let started = clock.now
                var info: AccountInfoOutcome?
                var covered = store.snapshot(of: account)?.covered
                if store.snapshot(of: account)?.billingInfo.isDue(at: clock.unixTime) ?? true {
                    let answer = await source.fetchAccountInfo(for: account)
                    if case .info(let found, _) = answer { covered = found.covered }
                    info = answer
                }
                let outcome = covered == false ? nil : await source.fetchUsage(for: account)
                return (info, outcome, (clock.now - started).seconds)
            }), !Task.isCancelled
        else { return }
        let maxStaleSeconds = maxStaleSeconds
        let maxSeries = maxSeriesPerAccount
        let byZone = byZone
        let finished = clock.unixTime
        let now = clock.now
        let next = nextRefreshTime.map { finished + now.duration(to: $0()).seconds }
        var dropped = 0
        let usageFailed = if case .failure = outcome?.result { true } else { false }
        var previous: AccountSnapshot?
        var updated: AccountSnapshot?
        store.update(account) { snapshot in
            previous = snapshot
            var result = info.map { snapshot.applying($0, at: finished, countingFailure: !usageFailed) } ?? snapshot
            if let outcome {
                result = result.applying(
                    outcome, finishedAt: finished, durationSeconds: seconds, maxStaleSeconds: maxStaleSeconds, nextRefreshTime: next,
                    maxSeries: maxSeries, byZone: byZone)
            } else {
                result = result.applyingNotCovered(finishedAt: finished, durationSeconds: seconds, nextRefreshTime: next)
            }
            dropped = result.health.seriesDropped - snapshot.health.seriesDropped
            updated = result
            return result
        }
        if let info, let previous, let updated { logInfo(info, for: account, before: previous, after: updated) }
        // Every watched account gets a name, also one given by id whose answers carry none.
        if updated?.accountName == nil, nameLookups.shouldAsk(account, at: clock.unixTime),
            let name = await source.fetchAccountName(for: account)
        {
            store.update(account) { snapshot in
                guard snapshot.accountName == nil else { return snapshot }
                var named = snapshot
                named.accountName = name
                return named
            }
        }
        guard let outcome else { return }
        if case .success = outcome.result, updated?.usage?.otherCostDiffers == true, costDifferenceLogged.first(account) {
            logger.debug(
                "billed, effective or list cost differs from the contracted cost; the exporter serves the contracted cost",
                metadata: ["account_id": "\(account)"])
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

    /// Says what an info call changed: coverage, or a failure (its calls are the refresh's).
    private func logInfo(_ info: AccountInfoOutcome, for account: AccountID, before: AccountSnapshot, after: AccountSnapshot) {
        switch info {
        case .info:
            if after.covered != before.covered, after.covered == false {
                logger.info(
                    "account is not covered by Cloudflare's billable-usage API; its usage is not polled until the next info call",
                    metadata: ["account_id": "\(account)"])
            }
        case .unavailable:
            if !before.billingInfo.unavailable {
                logger.info(
                    "no billable-usage info endpoint for this account (an older API path); billing periods end on the same day of the next month",
                    metadata: ["account_id": "\(account)"])
            }
        case .failure(let error, _):
            logger.warning(
                "billable-usage info call failed; the previous billing cycle stays in force and the call is retried at the next refresh",
                metadata: ["account_id": "\(account)", "reason": "\(error.reason.rawValue)", "error": "\(error)"])
        }
    }
}
