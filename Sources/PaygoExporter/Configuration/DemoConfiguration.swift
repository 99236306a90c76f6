/// What `--demo` watches: five sample accounts and their budgets. `DemoUsageSource` makes their
/// usage.
public enum DemoConfiguration {
    /// All-hex tags that are recognisably not real.
    public static let accounts: [AccountID] = [
        AccountID("0ddba11c0ffee0000000000000000001")!,
        AccountID("0ddba11c0ffee0000000000000000002")!,
        AccountID("0ddba11c0ffee0000000000000000003")!,
        AccountID("0ddba11c0ffee0000000000000000004")!,
        AccountID("0ddba11c0ffee0000000000000000005")!,
    ]

    /// The USD forecast lands past the warning share, the EUR one past the budget, so
    /// dashboards and alerts have something to show.
    public static let budgets: [Budget] = [
        Budget(account: accounts[0], currency: "USD", amount: 5_000, warnRatio: 0.8),
        Budget(account: accounts[1], currency: "EUR", amount: 1_200, warnRatio: 0.8),
    ]
}
