import PrometheusExposition
import Synchronization

/// The refresh schedules for the accounts watched now, one per credential: each credential's
/// accounts spread over the interval its own budget allows, so a token with little room never
/// stretches another's. Rebuilt when discovery or a reload changes the accounts or who polls
/// them, and exposed as the `refresh_interval` families.
///
/// Each account keeps the jitter it was given at first sight while it is planned for; its slot
/// is its place among its credential's accounts, so slots stay evenly spread whatever joins or
/// leaves.
public final class RefreshPlan: StandaloneMetricSource {
    /// A credential as the plan sees it: the name for the metric and the log, and its budget
    /// (nil when nothing limits requests: demo).
    public struct Credential: Sendable, Hashable {
        public var name: String
        public var rate: RequestRate?

        public init(name: String, rate: RequestRate?) {
            self.name = name
            self.rate = rate
        }

        /// The flags' one credential, when nothing limits requests.
        public static let unlimited = Credential(name: CloudflareAPIConfiguration.defaultCredentialName, rate: nil)
    }

    private struct State {
        /// Per credential, its schedule and its accounts in slot order.
        var schedules: [RefreshSchedule]
        var planned: [[AccountID]]
        /// Each planned account's credential and place among its accounts.
        var slots: [AccountID: (credential: Int, index: Int)]
        var jitter: [AccountID: Double]
        /// Per credential, the rate its schedule was made for (a reload may change it).
        var rates: [RequestRate?]
        var generation: UInt64 = 0
    }

    private let interval: Duration
    /// The credentials' names, in the configuration's order.
    private let names: [String]
    private let credentialIndex: @Sendable (AccountID) -> Int
    private let state: Mutex<State>

    /// - Parameters:
    ///   - credentials: in the configuration's order; at least one.
    ///   - credentialIndex: which credential polls an account (an index into `credentials`).
    ///   - jitter: per account its offset in its slot, in [0, 1); random where absent.
    public init(
        accounts: [AccountID], interval: Duration, credentials: [Credential],
        credentialIndex: @escaping @Sendable (AccountID) -> Int = { _ in 0 }, jitter: [AccountID: Double] = [:]
    ) {
        self.interval = interval
        let credentials = credentials.isEmpty ? [.unlimited] : credentials
        names = credentials.map(\.name)
        self.credentialIndex = credentialIndex
        state = Mutex(State(schedules: [], planned: [], slots: [:], jitter: jitter, rates: credentials.map(\.rate)))
        update(accounts: accounts)
    }

    /// The schedule in force for each credential, in the configuration's order.
    public var schedules: [(credential: String, schedule: RefreshSchedule)] {
        let schedules = state.withLock { $0.schedules }
        return zip(names, schedules).map { ($0, $1) }
    }

    /// The schedule of the credential that polls `account`, or of the first credential.
    public func schedule(of account: AccountID? = nil) -> RefreshSchedule {
        state.withLock { state in
            state.schedules[account.flatMap { state.slots[$0]?.credential } ?? 0]
        }
    }

    /// Plans for exactly `accounts`, each with the credential that polls it now; returns the
    /// credentials whose schedule changed, with the new schedule.
    @discardableResult
    public func update(accounts: [AccountID]) -> [(credential: String, schedule: RefreshSchedule)] {
        var planned = names.map { _ in [AccountID]() }
        for account in Set(accounts) {
            planned[min(max(credentialIndex(account), 0), names.count - 1)].append(account)
        }
        planned = planned.map { $0.sorted() }
        return state.withLock { state in
            guard planned != state.planned else { return [] }
            return replan(&state, planned: planned, rates: state.rates)
        }
    }

    /// A reloaded configuration's rates, per credential in the configuration's order (nil
    /// where nothing limits it; missing ones stay); returns the credentials whose schedule
    /// changed, with the new schedule.
    @discardableResult
    public func update(rates: [RequestRate?]) -> [(credential: String, schedule: RefreshSchedule)] {
        state.withLock { state in
            let rates = state.rates.indices.map { rates.indices.contains($0) ? rates[$0] : state.rates[$0] }
            guard rates != state.rates else { return [] }
            return replan(&state, planned: state.planned, rates: rates)
        }
    }

    /// New schedules for the credentials whose accounts or rate changed; the others keep theirs.
    private func replan(
        _ state: inout State, planned: [[AccountID]], rates: [RequestRate?]
    ) -> [(credential: String, schedule: RefreshSchedule)] {
        var random = SystemRandomNumberGenerator()
        var slots: [AccountID: (credential: Int, index: Int)] = [:]
        var changed: [(credential: String, schedule: RefreshSchedule)] = []
        var schedules: [RefreshSchedule] = []
        for (credential, accounts) in planned.enumerated() {
            for (index, account) in accounts.enumerated() {
                if state.jitter[account] == nil { state.jitter[account] = Double.random(in: 0..<1, using: &random) }
                slots[account] = (credential, index)
            }
            if state.planned.indices.contains(credential), state.planned[credential] == accounts,
                state.rates[credential] == rates[credential]
            {
                schedules.append(state.schedules[credential])
                continue
            }
            let schedule = RefreshSchedule(
                accountCount: accounts.count, interval: interval,
                load: rates[credential].map { RefreshSchedule.TokenLoad(rate: $0, accounts: accounts.count) },
                jitter: accounts.map { state.jitter[$0] ?? 0 })
            schedules.append(schedule)
            changed.append((names[credential], schedule))
        }
        state.planned = planned
        state.slots = slots
        // Discovery's churn would otherwise keep every account ever seen.
        state.jitter = state.jitter.filter { slots[$0.key] != nil }
        state.schedules = schedules
        state.rates = rates
        state.generation += 1
        return changed
    }

    /// The next slot of `account` after `now`; nil once the account is no longer planned for.
    public func nextSlot(
        of account: AccountID, after now: ContinuousClock.Instant, start: ContinuousClock.Instant
    ) -> ContinuousClock.Instant? {
        state.withLock { state in
            state.slots[account].map { state.schedules[$0.credential].nextSlot(ofAccountAt: $0.index, after: now, start: start) }
        }
    }

    public var generation: UInt64 { state.withLock { $0.generation } }

    public func families() -> [MetricFamily] {
        let schedules = self.schedules
        return [
            MetricFamily(
                MetricCatalog.refreshInterval,
                samples: schedules.map {
                    Sample(labels: [Label("credential", $0.credential)], value: $0.schedule.effectiveInterval.seconds)
                }),
            MetricFamily(MetricCatalog.configuredRefreshInterval, samples: [Sample(labels: [], value: interval.seconds)]),
        ]
    }
}
