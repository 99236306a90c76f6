/// How long to wait before sending a request again after a 5xx, a 429 or no answer.
///
/// Bounded both ways: a receiver that is restarting or compacting gets a few minutes to come
/// back, and one that stays down ends the run with a `--from` to resume at, instead of a wait
/// without end.
public struct RemoteWriteRetryPolicy: Sendable, Hashable {
    /// Attempts per request, the first included.
    public var maxAttempts: Int
    /// Backoff before the first retry; doubles each time up to `maxDelaySeconds`.
    public var baseDelaySeconds: Double
    public var maxDelaySeconds: Double
    /// A receiver's `Retry-After` is honoured up to this long.
    public var maxRetryAfterSeconds: Double

    public init(maxAttempts: Int = 8, baseDelaySeconds: Double = 0.5, maxDelaySeconds: Double = 30, maxRetryAfterSeconds: Double = 60) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelaySeconds = baseDelaySeconds
        self.maxDelaySeconds = maxDelaySeconds
        self.maxRetryAfterSeconds = maxRetryAfterSeconds
    }

    /// Seconds to wait after attempt number `attempt` (1-based) failed, or nil to give up.
    /// `jitter` in 0...1 picks where in the upper half of the step the wait falls ("equal
    /// jitter": lanes that fail together do not retry in step, and every retry still backs off).
    public func delay(afterAttempt attempt: Int, retryAfterSeconds: Double?, jitter: Double) -> Double? {
        guard attempt < maxAttempts else { return nil }
        let step = min(maxDelaySeconds, baseDelaySeconds * Double(1 << min(max(attempt - 1, 0), 20)))
        let backoff = step / 2 + min(max(jitter, 0), 1) * step / 2
        // min() also turns an infinite or absurd Retry-After into the cap.
        return max(backoff, min(retryAfterSeconds ?? 0, maxRetryAfterSeconds))
    }
}
