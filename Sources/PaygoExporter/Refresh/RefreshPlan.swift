import PrometheusExposition
import Synchronization

/// The refresh schedule for the accounts watched now: rebuilt when discovery changes them, so
/// the interval stretches (or shrinks back) with their number, and exposed as the
/// `refresh_interval` families.
///
/// Each account keeps the jitter it was given at first sight; its slot is its place among the
/// watched accounts, so slots stay evenly spread whatever joins or leaves.
public final class RefreshPlan: StandaloneMetricSource {
    private struct State {
        var schedule: RefreshSchedule
        var accounts: [AccountID]
        var index: [AccountID: Int]
        var jitter: [AccountID: Double]
        var generation: UInt64 = 0
    }

    private let interval: Duration
    private let rate: RequestRate?
    private let state: Mutex<State>

    /// - Parameter jitter: per account its offset in its slot, in [0, 1); random where absent.
    public init(accounts: [AccountID], interval: Duration, rate: RequestRate?, jitter: [AccountID: Double] = [:]) {
        self.interval = interval
        self.rate = rate
        state = Mutex(
            State(
                schedule: RefreshSchedule(accountCount: 0, interval: interval, rate: rate, jitter: []), accounts: [], index: [:],
                jitter: jitter))
        update(accounts: accounts)
    }

    /// The schedule in force.
    public var schedule: RefreshSchedule { state.withLock { $0.schedule } }

    /// Plans for exactly `accounts` (sorted); returns the new schedule when it changed.
    @discardableResult
    public func update(accounts: [AccountID]) -> RefreshSchedule? {
        let sorted = Array(Set(accounts)).sorted()
        return state.withLock { state in
            guard sorted != state.accounts || state.generation == 0 else { return nil }
            var random = SystemRandomNumberGenerator()
            for account in sorted where state.jitter[account] == nil {
                state.jitter[account] = Double.random(in: 0..<1, using: &random)
            }
            state.accounts = sorted
            state.index = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, $0) })
            state.schedule = RefreshSchedule(
                accountCount: sorted.count, interval: interval, rate: rate, jitter: sorted.map { state.jitter[$0] ?? 0 })
            state.generation += 1
            return state.schedule
        }
    }

    /// The next slot of `account` after `now`; nil once the account is no longer planned for.
    public func nextSlot(
        of account: AccountID, after now: ContinuousClock.Instant, start: ContinuousClock.Instant
    ) -> ContinuousClock.Instant? {
        state.withLock { state in
            state.index[account].map { state.schedule.nextSlot(ofAccountAt: $0, after: now, start: start) }
        }
    }

    public var generation: UInt64 { state.withLock { $0.generation } }

    public func families() -> [MetricFamily] {
        let schedule = self.schedule
        return [
            MetricFamily(MetricCatalog.refreshInterval, samples: [Sample(labels: [], value: schedule.effectiveInterval.seconds)]),
            MetricFamily(
                MetricCatalog.configuredRefreshInterval, samples: [Sample(labels: [], value: schedule.configuredInterval.seconds)]),
        ]
    }
}
