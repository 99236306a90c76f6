import Synchronization

/// Paces every call made with one token to a `RequestRate`, with a small burst.
///
/// A generic cell rate algorithm: each call reserves the earliest send time the rate allows
/// and sleeps until then, so waiting callers go in the order they asked, and no window of the
/// rate's length ever holds more than `rate.requests` plus the burst. The burst is a tenth of
/// the rate, so a budget set at 90% of Cloudflare's limit stays under it in every window.
public final class RequestBudget: Sendable {
    /// The rate and what follows from it; replaced whole when a reload changes the rate.
    private struct Pace {
        var rate: RequestRate
        var spacing: Duration
        /// How far ahead of the steady pace a call may go: the burst, in time.
        var tolerance: Duration

        init(_ rate: RequestRate) {
            self.rate = rate
            spacing = rate.spacing
            tolerance = spacing * (max(1, rate.requests / 10) - 1)
        }
    }

    private struct State {
        var pace: Pace
        /// When the next call would be due if calls had kept exactly to the pace.
        var theoreticalArrival: ContinuousClock.Instant
        /// While the token's reported quota runs low: the slower spacing it leaves room for,
        /// and until when it holds (the window's reset).
        var quotaPace: (spacing: Duration, until: ContinuousClock.Instant)?
        /// The quota the newest answer reported, for the metric.
        var quota: RateLimitQuota?
        /// Set when only the reserve is left: no call goes before the reset, also one that
        /// was reserved earlier.
        var hold: ContinuousClock.Instant?
        var generation: UInt64 = 0
    }

    private let state: Mutex<State>
    private let clock: any ExporterClock

    /// Calls kept back from the reported quota for the token's other users and for retries:
    /// the exporter slows down before the quota is spent, not after a 429.
    static func reserve(of quota: RateLimitQuota, rate: RequestRate) -> Int {
        max(2, (quota.limit ?? rate.requests) / 20)
    }

    /// The longest the reported quota may hold calls back: Cloudflare's window, the same cap as
    /// a `Retry-After` pause.
    static let maxQuotaWaitSeconds = RetryPolicy.defaultMaxRateLimitPauseSeconds

    public init(rate: RequestRate, clock: any ExporterClock = SystemClock()) {
        self.clock = clock
        state = Mutex(State(pace: Pace(rate), theoreticalArrival: clock.now))
    }

    /// The rate calls are paced to.
    public var rate: RequestRate { state.withLock { $0.pace.rate } }

    /// A reloaded configuration's rate: calls reserved from now on keep to it; ones already
    /// reserved keep their instants.
    public func setRate(_ rate: RequestRate) {
        state.withLock { state in
            guard state.pace.rate != rate else { return }
            state.pace = Pace(rate)
            state.generation &+= 1
        }
    }

    /// Returns when this call may go; throws `CancellationError` if cancelled while waiting
    /// (its reserved slot is then simply not used).
    public func acquire() async throws {
        while true {
            let now = clock.now
            let sendAt = reserve(at: now)
            if sendAt > now {
                try await clock.sleep(until: sendAt)
            }
            // A call reserved before an answer said the quota is spent waits for its reset too.
            guard let hold = state.withLock({ $0.hold }), hold > clock.now else { return }
        }
    }

    /// Reserves the earliest send time the pace allows for a call asked for at `now`.
    /// Kept apart from the sleep so the pacing can be checked without a wall clock.
    func reserve(at now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        state.withLock { state in
            if let pace = state.quotaPace, pace.until <= now { state.quotaPace = nil }
            // Under a low quota: no burst, and the slower of the two spacings. Held for a reset:
            // nothing before it, then the budget's own spacing, without a burst.
            let spacing = state.pace.spacing
            let pace = state.quotaPace.map { max($0.spacing, spacing) }
            let hold = state.hold.flatMap { $0 > now ? $0 : nil }
            let burst = pace == nil && hold == nil ? state.pace.tolerance : .zero
            let sendAt = max(now, hold ?? now, state.theoreticalArrival - burst)
            state.theoreticalArrival = max(state.theoreticalArrival, sendAt) + (pace ?? spacing)
            return sendAt
        }
    }

    /// Takes in the quota an answer reported at `now`. When what is left, less a reserve, would
    /// run out before the window resets at the budget's pace, the following calls are spread
    /// over the time to the reset instead; with nothing left but the reserve, they wait for the
    /// reset. Either way for at most `maxQuotaWaitSeconds`.
    public func observe(_ quota: RateLimitQuota, at now: ContinuousClock.Instant) {
        state.withLock { state in
            let rate = state.pace.rate
            let resetSeconds = min(quota.resetSeconds ?? quota.windowSeconds ?? rate.perSeconds, Self.maxQuotaWaitSeconds)
            let reset = Duration.saturating(seconds: resetSeconds)
            let usable = quota.remaining - Self.reserve(of: quota, rate: rate)
            if state.quota != quota {
                state.quota = quota
                state.generation &+= 1
            }
            if usable <= 0 {
                // Nothing to spare: the next call goes when the window resets, and the ones
                // after it at the budget's pace (the window is new then), not one reset apart.
                state.quotaPace = nil
                state.theoreticalArrival = max(state.theoreticalArrival, now + reset)
                state.hold = now + reset
            } else if reset / usable > state.pace.spacing {
                state.quotaPace = (reset / usable, now + reset)
                state.theoreticalArrival = max(state.theoreticalArrival, now + reset / usable)
                state.hold = nil
            } else {
                state.quotaPace = nil
                state.hold = nil
            }
        }
    }

    /// Forgets the reported quota, its slower pace and its hold: they were another token's,
    /// which a reload replaced. The pace of the budget itself goes on.
    public func forgetQuota() {
        state.withLock { state in
            guard state.quota != nil || state.quotaPace != nil || state.hold != nil else { return }
            state.quota = nil
            state.quotaPace = nil
            state.hold = nil
            // Calls asked for from now on no longer wait for the old token's reset.
            state.theoreticalArrival = min(state.theoreticalArrival, clock.now)
            state.generation &+= 1
        }
    }

    /// The quota the newest answer reported; nil until one did.
    public var reportedQuota: RateLimitQuota? { state.withLock { $0.quota } }

    /// Changes when `reportedQuota` or the rate does.
    public var generation: UInt64 { state.withLock { $0.generation } }
}
