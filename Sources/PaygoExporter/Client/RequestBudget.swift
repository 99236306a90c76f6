import Synchronization

/// Paces every call made with one token to a `RequestRate`, with a small burst.
///
/// A generic cell rate algorithm: each call reserves the earliest send time the rate allows
/// and sleeps until then, so waiting callers go in the order they asked, and no window of the
/// rate's length ever holds more than `rate.requests` plus the burst. The burst is a tenth of
/// the rate, so a budget set at 90% of Cloudflare's limit stays under it in every window.
public final class RequestBudget: Sendable {
    public let rate: RequestRate
    private let spacing: Duration
    /// How far ahead of the steady pace a call may go: the burst, in time.
    private let tolerance: Duration
    /// When the next call would be due if calls had kept exactly to the pace.
    private let theoreticalArrival: Mutex<ContinuousClock.Instant>
    private let clock: any ExporterClock

    public init(rate: RequestRate, clock: any ExporterClock = SystemClock()) {
        self.rate = rate
        self.clock = clock
        spacing = rate.spacing
        let burst = max(1, rate.requests / 10)
        tolerance = spacing * (burst - 1)
        theoreticalArrival = Mutex(clock.now)
    }

    /// Returns when this call may go; throws `CancellationError` if cancelled while waiting
    /// (its reserved slot is then simply not used).
    public func acquire() async throws {
        let now = clock.now
        let sendAt = reserve(at: now)
        if sendAt > now {
            try await clock.sleep(until: sendAt)
        }
    }

    /// Reserves the earliest send time the pace allows for a call asked for at `now`.
    /// Kept apart from the sleep so the pacing can be checked without a wall clock.
    func reserve(at now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        theoreticalArrival.withLock { arrival in
            let sendAt = max(now, arrival - tolerance)
            arrival = max(arrival, sendAt) + spacing
            return sendAt
        }
    }
}
