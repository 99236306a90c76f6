/// Sends each account's calls to the source that serves it, so that accounts can belong to
/// different tokens (each an `UsageEndpoint` over its own `CloudflareAPI`).
public struct RoutingUsageSource: UsageSource {
    private let routes: [AccountID: any UsageSource]

    public init(routes: [AccountID: any UsageSource]) {
        self.routes = routes
    }

    /// Every account in `accounts` served by `source`.
    public init(_ accounts: [AccountID], to source: any UsageSource) {
        self.init(routes: Dictionary(accounts.map { ($0, source) }, uniquingKeysWith: { first, _ in first }))
    }

    public func fetchUsage(for account: AccountID, range: UsageDateRange?) async -> UsageFetchOutcome {
        guard let source = routes[account] else {
            return UsageFetchOutcome(
                result: .failure(
                    RefreshFailure(
                        reason: .notFound,
                        description: "account \(account) is served by none of the configured credentials; add it to one of them")),
                responseCodes: [])
        }
        return await source.fetchUsage(for: account, range: range)
    }

    public func fetchAccountInfo(for account: AccountID) async -> AccountInfoOutcome {
        // An unrouted account fails its usage call, which says why; no info is asked for it.
        await routes[account]?.fetchAccountInfo(for: account) ?? .unavailable(responseCodes: [])
    }
}
