/// When and how long to wait before trying a failed call again within one refresh.
///
/// Mirrors the official SDKs (a couple of retries, backoff from 0.5 s) with jitter so many
/// accounts failing together do not retry in step.
public struct RetryPolicy: Sendable {
    /// Calls per refresh, the first included.
    public var maxAttempts: Int
    /// Backoff before the first retry; doubles each time.
    public var baseDelaySeconds: Double
    public var maxDelaySeconds: Double
    /// How long the token pauses after a 429 that gave no `Retry-After`.
    public var defaultRateLimitPauseSeconds: Double
    /// A `Retry-After` longer than this ends the refresh instead of waiting inside it; the
    /// pause still holds for every account on the token.
    public var maxRetryAfterSeconds: Double
    /// The longest pause a 429 can cause, whatever its `Retry-After` says: Cloudflare's own
    /// block after a client ignores its limit lasts 5 minutes, so a longer wait only hides data.
    public var maxRateLimitPauseSeconds: Double

    /// The default cap on a rate-limit pause: 5 minutes.
    public static let defaultMaxRateLimitPauseSeconds: Double = 300

    public init(
        maxAttempts: Int = 3,
        baseDelaySeconds: Double = 0.5,
        maxDelaySeconds: Double = 30,
        defaultRateLimitPauseSeconds: Double = 60,
        maxRetryAfterSeconds: Double = 120,
        maxRateLimitPauseSeconds: Double = Self.defaultMaxRateLimitPauseSeconds
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelaySeconds = baseDelaySeconds
        self.maxDelaySeconds = maxDelaySeconds
        self.defaultRateLimitPauseSeconds = defaultRateLimitPauseSeconds
        self.maxRetryAfterSeconds = maxRetryAfterSeconds
        self.maxRateLimitPauseSeconds = maxRateLimitPauseSeconds
    }

    /// What to do after attempt number `attempt` (1-based) failed with `error`.
    public func decision(after error: CloudflareAPIError, attempt: Int, random: inout some RandomNumberGenerator) -> RetryDecision {
        if error.reason == .rateLimited {
            // min() also turns an infinite Retry-After into the cap.
            let pause = min(error.retryAfterSeconds ?? defaultRateLimitPauseSeconds, maxRateLimitPauseSeconds)
            return .pauseToken(seconds: pause, retry: attempt < maxAttempts && pause <= maxRetryAfterSeconds)
        }
        guard error.isRetryable, attempt < maxAttempts else { return .giveUp }
        // "Equal jitter": at least half the exponential step, so retries always back off.
        let step = min(maxDelaySeconds, baseDelaySeconds * Double(1 << min(attempt - 1, 20)))
        return .retry(afterSeconds: step / 2 + Double.random(in: 0...(step / 2), using: &random))
    }
}

/// The outcome of `RetryPolicy.decision`.
public enum RetryDecision: Sendable, Equatable {
    case giveUp
    case retry(afterSeconds: Double)
    /// Rate limited: hold every call on the token for `seconds`, then retry if `retry`.
    case pauseToken(seconds: Double, retry: Bool)
}
