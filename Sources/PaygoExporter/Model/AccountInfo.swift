/// What `GET /accounts/{account_id}/billable-usage/info` says of an account: whether the usage
/// API reports on it, and its subscriptions' billing cycles.
public struct AccountInfo: Sendable, Hashable {
    /// A PayGo subscription of the account.
    public struct Subscription: Sendable, Hashable {
        public var id: String
        /// Unix seconds of the day billing periods are counted from.
        public var billingCycleAnchor: Double
        public var start: Double?
        /// Present only for a cancelled subscription.
        public var end: Double?

        public init(id: String, billingCycleAnchor: Double, start: Double?, end: Double?) {
            self.id = id
            self.billingCycleAnchor = billingCycleAnchor
            self.start = start
            self.end = end
        }
    }

    /// False: not a PayGo account this API reports on, an expected state rather than an error.
    public var covered: Bool
    public var subscriptions: [Subscription]

    public init(covered: Bool, subscriptions: [Subscription]) {
        self.covered = covered
        self.subscriptions = subscriptions
    }

    /// The billing cycle in force at `time`: the newest subscription that has started and not
    /// ended (an account usually has one), else the newest of all; nil without subscriptions.
    public func billingCycle(at time: Double) -> BillingCycle? {
        let active = subscriptions.filter { ($0.start ?? -.infinity) <= time && ($0.end ?? .infinity) > time }
        let newest = { (subscriptions: [Subscription]) in
            subscriptions.max { ($0.start ?? $0.billingCycleAnchor) < ($1.start ?? $1.billingCycleAnchor) }
        }
        return (newest(active) ?? newest(subscriptions)).map { BillingCycle(anchor: $0.billingCycleAnchor) }
    }
}

/// The outcome of one info call.
public enum AccountInfoOutcome: Sendable {
    case info(AccountInfo, responseCodes: [Int])
    /// The API has no info endpoint on this path (404): billing periods fall back to the
    /// calendar rule and the account counts as covered while its usage answers.
    case unavailable(responseCodes: [Int])
    case failure(RefreshFailure, responseCodes: [Int])

    public var responseCodes: [Int] {
        switch self {
        case .info(_, let codes), .unavailable(let codes), .failure(_, let codes): codes
        }
    }
}
