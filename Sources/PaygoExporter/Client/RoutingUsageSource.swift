import Synchronization

/// Sends each account's calls to the credential that polls it (each credential a
/// `UsageEndpoint` over its own `CloudflareAPI`), as `AccountAssignment` decides. With one
/// credential, an account without a route goes to it.
public final class RoutingUsageSource: UsageSource {
    private let sources: [any UsageSource]
    private let routes: Mutex<[AccountID: Int]>

    /// - Parameter sources: one per credential, in the configuration's order.
    public init(sources: [any UsageSource], routes: [AccountID: Int] = [:]) {
        self.sources = sources
        self.routes = Mutex(routes)
    }

    /// Replaces the routes: account to the index of its credential's source.
    public func route(_ routes: [AccountID: Int]) {
        self.routes.withLock { $0 = routes }
    }

    /// The index of the credential that polls `account` (0 when none does).
    public func credentialIndex(of account: AccountID) -> Int {
        routes.withLock { $0[account] } ?? 0
    }

    private func source(for account: AccountID) -> (any UsageSource)? {
        let index = routes.withLock { $0[account] } ?? (sources.count == 1 ? 0 : nil)
        return index.flatMap { sources.indices.contains($0) ? sources[$0] : nil }
    }

    public func fetchUsage(for account: AccountID, range: UsageDateRange?) async -> UsageFetchOutcome {
        guard let source = source(for: account) else {
            return UsageFetchOutcome(
                result: .failure(
                    RefreshFailure(
                        reason: .notFound,
                        description: "account \(account) is served by none of the configured credentials; add it to one of them")),
                responseCodes: [])
        }
        return await source.fetchUsage(for: account, range: range)
    }

    public func fetchAccountName(for account: AccountID) async -> String? {
        await source(for: account)?.fetchAccountName(for: account)
    }

    public func fetchAccountInfo(for account: AccountID) async -> AccountInfoOutcome {
        // An unrouted account fails its usage call, which says why; no info is asked for it.
        await source(for: account)?.fetchAccountInfo(for: account) ?? .unavailable(responseCodes: [])
    }
}
