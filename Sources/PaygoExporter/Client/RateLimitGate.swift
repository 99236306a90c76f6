import Synchronization

/// Holds every call made with one token while Cloudflare has asked us to wait.
///
/// Cloudflare's limit is per token, and a client that keeps calling after a 429 is blocked for
/// five minutes, so one account's 429 pauses all accounts that share the token. A pause never
/// runs longer than `RetryPolicy.maxRateLimitPauseSeconds`, whatever `Retry-After` said.
public final class RateLimitGate: Sendable {
    private struct Pause {
        var until: ContinuousClock.Instant
        /// The same moment in Unix seconds, for the metric.
        var untilUnixSeconds: Double
    }

    private struct State {
        var pause: Pause?
        /// Pauses begun or extended, so a reader can tell a new pause from an old one.
        var changes: UInt64 = 0
    }

    private let state = Mutex(State())
    private let clock: any ExporterClock

    public init(clock: any ExporterClock = SystemClock()) {
        self.clock = clock
    }

    /// Extends the pause to at least `seconds` from now; `seconds` is clamped, never trusted.
    public func pause(seconds: Double) {
        let length = Duration.saturating(seconds: seconds)
        let until = clock.now + length
        let untilUnix = clock.unixTime + length.seconds
        state.withLock { state in
            if state.pause.map({ $0.until < until }) ?? true {
                state.pause = Pause(until: until, untilUnixSeconds: untilUnix)
                state.changes &+= 1
            }
        }
    }

    /// Seconds left in the current pause, 0 when open.
    /// Lifts the pause: it belonged to a token that a reload replaced.
    public func reopen() {
        state.withLock { state in
            guard state.pause != nil else { return }
            state.pause = nil
            state.changes &+= 1
        }
    }

    public var remainingSeconds: Double {
        guard let until = state.withLock({ $0.pause?.until }) else { return 0 }
        return max(0, clock.now.duration(to: until).seconds)
    }

    /// When the pause in force ends, in Unix seconds; 0 when none is.
    public var pausedUntilUnixSeconds: Double {
        let now = clock.now
        return state.withLock { state in
            guard let pause = state.pause, pause.until > now else { return 0 }
            return pause.untilUnixSeconds
        }
    }

    /// Returns once no pause is in force; throws if cancelled while waiting.
    public func waitUntilOpen() async throws {
        while let until = state.withLock({ $0.pause?.until }), until > clock.now {
            try await clock.sleep(until: until)
        }
    }

    /// Changes with every new pause and when a pause runs out.
    public var generation: UInt64 {
        let now = clock.now
        return state.withLock { state in
            state.changes &* 2 &+ (state.pause.map { $0.until > now ? 1 : 0 } ?? 0)
        }
    }
}
