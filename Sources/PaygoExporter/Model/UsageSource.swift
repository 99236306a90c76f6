/// Where an account's usage comes from: Cloudflare's API (routed to the account's token), or
/// the built-in demo. The seam between the client and the refresher.
///
/// Every source hands back decoded records through the same decoder, so demo mode exercises
/// the exact path real data takes.
public protocol UsageSource: Sendable {
    /// Fetches one account's usage: the current billing period when `range` is nil, else the
    /// given days (at most `UsageDateRange.maxDays`). Never throws: the outcome carries the
    /// records or a failure, plus what the exporter counts either way.
    func fetchUsage(for account: AccountID, range: UsageDateRange?) async -> UsageFetchOutcome

    /// Asks the usage API's info endpoint whether it reports on `account` and how its billing
    /// cycle runs. Never throws.
    func fetchAccountInfo(for account: AccountID) async -> AccountInfoOutcome

    /// The account's name, for an account whose answers carry none; nil when unknown. Never
    /// throws.
    func fetchAccountName(for account: AccountID) async -> String?
}

extension UsageSource {
    /// Sources without an info endpoint: the calendar rule applies.
    public func fetchAccountInfo(for account: AccountID) async -> AccountInfoOutcome {
        .unavailable(responseCodes: [])
    }

    /// Sources without a way to name accounts.
    public func fetchAccountName(for account: AccountID) async -> String? { nil }

    /// The current billing period's usage.
    public func fetchUsage(for account: AccountID) async -> UsageFetchOutcome {
        await fetchUsage(for: account, range: nil)
    }
}

/// The result of one refresh's fetch, with the HTTP statuses it saw along the way.
public struct UsageFetchOutcome: Sendable {
    public var result: Result<[UsageRecord], RefreshFailure>
    /// Status codes of every answered request, in order (one per path tried and per retry).
    public var responseCodes: [Int]

    public init(result: Result<[UsageRecord], RefreshFailure>, responseCodes: [Int]) {
        self.result = result
        self.responseCodes = responseCodes
    }
}

/// Why a refresh failed, as the snapshot keeps it: the counted reason and the operator-facing
/// message (what failed, for which account, what to do), which never holds a credential.
public struct RefreshFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: RefreshFailureReason
    public let description: String

    public init(reason: RefreshFailureReason, description: String) {
        self.reason = reason
        self.description = description
    }
}
