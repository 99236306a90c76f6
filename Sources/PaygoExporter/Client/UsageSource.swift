/// Where an account's usage comes from: Cloudflare's API, or the built-in demo.
///
/// Both hand back decoded records through the same decoder, so demo mode exercises the
/// exact path real data takes.
public protocol UsageSource: Sendable {
    /// Fetches one account's usage: the current billing period when `range` is nil, else the
    /// given days (at most `UsageDateRange.maxDays`). Never throws: the outcome carries the
    /// records or a typed error, plus what the exporter counts either way.
    func fetchUsage(for account: AccountID, range: UsageDateRange?) async -> UsageFetchOutcome
}

extension UsageSource {
    /// The current billing period's usage.
    public func fetchUsage(for account: AccountID) async -> UsageFetchOutcome {
        await fetchUsage(for: account, range: nil)
    }
}

/// The result of one refresh's fetch, with the HTTP statuses it saw along the way.
public struct UsageFetchOutcome: Sendable {
    public var result: Result<[UsageRecord], UsageFetchError>
    /// Status codes of every answered request, in order (one per path tried).
    public var responseCodes: [Int]

    public init(result: Result<[UsageRecord], UsageFetchError>, responseCodes: [Int]) {
        self.result = result
        self.responseCodes = responseCodes
    }
}
