/// Sends each account's calls to the source that serves it, so that accounts can belong to
/// different tokens (each an `UsageEndpoint` over its own `CloudflareAPI`).
public struct RoutingUsageSource: UsageSource {
    private let routes: [AccountID: any UsageSource]
    /// Serves accounts without a route of their own (those discovery adds on a single token).
    private let fallback: (any UsageSource)?

    public init(routes: [AccountID: any UsageSource], fallback: (any UsageSource)? = nil) {
        self.routes = routes
        self.fallback = fallback
    }

    /// Every account in `accounts` served by `source`.
    public init(_ accounts: [AccountID], to source: any UsageSource) {
        self.init(routes: Dictionary(accounts.map { ($0, source) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Every account, whichever, served by `source` (one token).
    public init(everyAccountTo source: any UsageSource) {
        self.init(routes: [:], fallback: source)
    }

    public func fetchUsage(for account: AccountID, range: UsageDateRange?) async -> UsageFetchOutcome {
        guard let source = routes[account] ?? fallback else {
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
        await (routes[account] ?? fallback)?.fetchAccountInfo(for: account) ?? .unavailable(responseCodes: [])
    }
}
