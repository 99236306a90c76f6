import PaygoExporter
import Synchronization

/// A token bucket like the one Cloudflare keeps per API token: `capacity` calls, refilled
/// evenly over `windowSeconds`. The stand-in answers 429 when it is empty.
final class TokenBucket: Sendable {
    let capacity: Double
    let windowSeconds: Double
    private let state: Mutex<(tokens: Double, updated: ContinuousClock.Instant, refused: Int)>

    init(capacity: Int, windowSeconds: Double) {
        self.capacity = Double(capacity)
        self.windowSeconds = windowSeconds
        state = Mutex((Double(capacity), .now, 0))
    }

    /// Takes one token if there is one.
    func take() -> Bool {
        state.withLock { state in
            let now = ContinuousClock.now
            state.tokens = min(capacity, state.tokens + state.updated.duration(to: now).seconds * capacity / windowSeconds)
            state.updated = now
            guard state.tokens >= 1 else {
                state.refused += 1
                return false
            }
            state.tokens -= 1
            return true
        }
    }

    /// Calls refused so far.
    var refused: Int { state.withLock { $0.refused } }
}
