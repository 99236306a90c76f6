/// What the info endpoint has said of one account, and when it is asked again.
public struct AccountBillingInfo: Sendable, Hashable {
    /// How often a known account's info is asked again: billing cycles and coverage change
    /// rarely, and every call counts against the token's budget.
    public static let refreshSeconds: Double = 86_400

    /// The last good answer; nil before one, and while the endpoint is unavailable.
    public private(set) var info: AccountInfo?
    /// True once the endpoint answered 404: the account's API has no info endpoint.
    public private(set) var unavailable = false
    public private(set) var lastAttemptTime: Double?
    /// When the endpoint last answered, with info or with its 404.
    public private(set) var lastAnswerTime: Double?

    public init() {}

    /// Whether the refresh at `time` asks first: at first sight, a day after the last answer,
    /// and at every refresh after a failure until one succeeds.
    public func isDue(at time: Double) -> Bool {
        guard let lastAnswerTime else { return true }
        return time - lastAnswerTime >= Self.refreshSeconds
    }

    /// The billing cycle at `time`, if the info endpoint gave one.
    public func billingCycle(at time: Double) -> BillingCycle? {
        info?.billingCycle(at: time)
    }

    mutating func record(_ outcome: AccountInfoOutcome, at time: Double) {
        lastAttemptTime = time
        switch outcome {
        case .info(let answer, _):
            info = answer
            unavailable = false
            lastAnswerTime = time
        case .unavailable:
            info = nil
            unavailable = true
            lastAnswerTime = time
        case .failure:
            // The previous answer stays in force until a new one comes.
            break
        }
    }
}
