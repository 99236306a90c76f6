/// When each account of one credential is refreshed: one refresh per account per effective
/// interval, the accounts' slots spread evenly over it.
///
/// Pure arithmetic, so the plan is testable without clocks: the refresher asks it when an
/// account is next due and sleeps until then.
public struct RefreshSchedule: Sendable, Hashable {
    public let configuredInterval: Duration
    /// The configured interval, or longer when the accounts would need more requests per
    /// interval than the credential's planned share of its budget allows.
    public let effectiveInterval: Duration
    public let accountCount: Int
    /// How long after the start the first slot of a cycle may begin: the time the budget needs
    /// for every account's first refresh, when that is longer than one interval.
    public let firstCycleDelay: Duration
    /// Each account's offset within a cycle, as a share of the interval in [0, 1).
    private let phases: [Double]

    /// The share of a token's budget a stretched interval plans to fill. The rest absorbs what
    /// the plan does not count: the first refreshes of accounts found while running, listing
    /// pages, name lookups, path fallbacks and retries. Planned to exactly the budget, a backlog
    /// never drains, and the accounts at its end wait a cycle behind the others for good.
    public static let plannedShareOfBudget = 0.95

    /// The calls one token makes per refresh cycle: its accounts, the calls each refresh of
    /// one makes, the info calls each account makes per day, and the budget they share.
    public struct TokenLoad: Sendable, Hashable {
        public var rate: RequestRate
        public var accounts: Int
        public var callsPerRefresh: Int
        /// Per account and day: the billable-usage info call (`AccountBillingInfo.refreshSeconds`).
        public var infoCallsPerDay: Double

        public init(rate: RequestRate, accounts: Int, callsPerRefresh: Int = 1, infoCallsPerDay: Double = 1) {
            self.rate = rate
            self.accounts = accounts
            self.callsPerRefresh = callsPerRefresh
            self.infoCallsPerDay = infoCallsPerDay
        }

        /// The shortest interval in which the token's budget holds one refresh of each of its
        /// accounts plus the info calls that fall into that interval: with `c` seconds of
        /// budget per cycle and a share `f` of all time taken by info calls, the interval `E`
        /// solves `E = c + f * E`.
        var cycle: Duration {
            let spacing = rate.spacing.seconds
            let refreshes = spacing * Double(accounts * callsPerRefresh)
            let infoShare = spacing * Double(accounts) * infoCallsPerDay / AccountBillingInfo.refreshSeconds
            // Beyond half the budget (a token of a few calls a minute for a thousand accounts)
            // the info calls stretch to more than a day apart instead.
            return .saturating(seconds: refreshes / (1 - min(infoShare, 0.5)))
        }

        /// The budget's time for every account's first refresh, which also makes its info call.
        var firstCycle: Duration {
            .saturating(seconds: rate.spacing.seconds * Double(accounts * (callsPerRefresh + (infoCallsPerDay > 0 ? 1 : 0))))
        }
    }

    /// - Parameters:
    ///   - load: what the credential must call per cycle; nil when nothing limits requests
    ///     (demo).
    ///   - jitter: one number in [0, 1) per account; each account's slot moves by up to half
    ///     the gap between slots, so two exporters (an HA pair) do not call in lockstep and no
    ///     account always lands on the minute.
    public init(accountCount: Int, interval: Duration, load: TokenLoad?, jitter: [Double]) {
        self.accountCount = accountCount
        configuredInterval = interval
        if let load {
            effectiveInterval = max(interval, load.cycle / Self.plannedShareOfBudget)
            firstCycleDelay = max(load.firstCycle - effectiveInterval, .zero)
        } else {
            effectiveInterval = interval
            firstCycleDelay = .zero
        }
        let count = max(accountCount, 1)
        phases = (0..<accountCount).map { index in
            (Double(index) + 0.5 * (index < jitter.count ? min(max(jitter[index], 0), 0.999) : 0)) / Double(count)
        }
    }

    /// One call per refresh for every account; nil `rate` when nothing limits requests (demo).
    public init(accountCount: Int, interval: Duration, rate: RequestRate?, jitter: [Double]) {
        self.init(
            accountCount: accountCount, interval: interval, load: rate.map { TokenLoad(rate: $0, accounts: accountCount) },
            jitter: jitter)
    }

    public var isStretched: Bool { effectiveInterval > configuredInterval }

    /// The next slot of account `index` after `now`, for a schedule that started at `start`.
    ///
    /// Slots are `start + delay + phase + k * interval` for k >= 1: the first refresh of every
    /// account is not scheduled but goes as soon as the request budget allows, so data appears
    /// at once, and each account then settles into its own slot one interval later, or once
    /// the budget has had time for every first refresh (each also makes the info call) when
    /// that takes longer. Slots that began while first refreshes still queued would never
    /// catch up. A slot missed (a refresh that overran) is skipped, not caught up.
    public func nextSlot(
        ofAccountAt index: Int, after now: ContinuousClock.Instant, start: ContinuousClock.Instant
    ) -> ContinuousClock.Instant {
        let firstSlot = start + firstCycleDelay + effectiveInterval * phases[index] + effectiveInterval
        guard now >= firstSlot else { return firstSlot }
        // Duration division is floating point: 13 intervals can come out as 12.999..., which
        // would hand back `now` itself and refresh again at once. Step until strictly after.
        var slot = firstSlot + effectiveInterval * Int(((now - firstSlot) / effectiveInterval).rounded(.down))
        while slot <= now { slot += effectiveInterval }
        return slot
    }
}
