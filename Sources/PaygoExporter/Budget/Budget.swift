/// A spending limit for one account's billing period in one currency.
public struct Budget: Sendable, Hashable {
    public var account: AccountID
    /// ISO 4217, upper case.
    public var currency: String
    public var amount: Double
    /// Share of `amount` at which alerts warn.
    public var warnRatio: Double

    public init(account: AccountID, currency: String, amount: Double, warnRatio: Double = 0.8) {
        self.account = account
        self.currency = currency
        self.amount = amount
        self.warnRatio = warnRatio
    }
}
