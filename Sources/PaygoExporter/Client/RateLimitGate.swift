import Synchronization

/// Holds every call made with one token while Cloudflare has asked us to wait.
///
/// Cloudflare's limit is per token, and a client that keeps calling after a 429 is blocked for
/// five minutes, so one account's 429 pauses all accounts that share the token.
public final class RateLimitGate: Sendable {
    private let pausedUntil = Mutex<ContinuousClock.Instant?>(nil)

    public init() {}

    /// Extends the pause to at least `seconds` from now.
    public func pause(seconds: Double) {
        let until = ContinuousClock.now + .milliseconds(Int64(seconds * 1_000))
        pausedUntil.withLock { current in
            if current.map({ $0 < until }) ?? true { current = until }
        }
    }

    /// Seconds left in the current pause, 0 when open.
    public var remainingSeconds: Double {
        guard let until = pausedUntil.withLock({ $0 }) else { return 0 }
        let left = ContinuousClock.now.duration(to: until)
        return max(0, left.seconds)
    }

    /// Returns once no pause is in force; throws if cancelled while waiting.
    public func waitUntilOpen() async throws {
        while let until = pausedUntil.withLock({ $0 }), until > ContinuousClock.now {
            try await Task.sleep(until: until, clock: .continuous)
        }
    }
}
