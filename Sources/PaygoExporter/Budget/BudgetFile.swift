import Foundation
import Yams

/// Reads `--budget.config-file`:
///
/// ```yaml
/// budgets:
///   - account_id: 0123456789abcdef0123456789abcdef
///     currency: USD
///     amount: 500
///     warn_ratio: 0.8      # optional
/// ```
///
/// Every problem is an error naming the entry, so a typo never silently drops a budget.
public enum BudgetFile {
    /// - Parameter watchedAccounts: the accounts a budget may name; nil when the watched set
    ///   changes while running (discovery, `--config.file`), so that a budget may name an
    ///   account before it is watched.
    public static func load(path: String, watchedAccounts: [AccountID]?) throws(ConfigurationError) -> [Budget] {
        try parse(YAMLConfigFile.read(path: path, flag: "--budget.config-file"), source: path, watchedAccounts: watchedAccounts)
    }

    static func parse(_ text: String, source: String, watchedAccounts: [AccountID]?) throws(ConfigurationError) -> [Budget] {
        func fail(_ problem: String, _ fix: String = "see the budgets example in README.md") -> ConfigurationError {
            ConfigurationError("--budget.config-file \(source): \(problem)", fix: fix)
        }
        guard let root = try YAMLConfigFile.compose(text, failing: { fail($0) }) else { return [] }
        guard let top = root.mapping else { throw fail("the top level must be a mapping with a budgets list") }
        var list: Node.Sequence?
        for (key, value) in top {
            guard key.string == "budgets" else { throw fail("unknown key \(key.string ?? "?")") }
            guard let sequence = value.sequence else { throw fail("budgets must be a list") }
            list = sequence
        }
        var budgets: [Budget] = []
        for (index, entry) in (list ?? Node.Sequence()).enumerated() {
            let name = "budgets[\(index)]"
            guard let fields = entry.mapping else { throw fail("\(name) must be a mapping") }
            var accountText: String?, currency: String?, amount: Double?, warnRatio = 0.8
            for (key, value) in fields {
                let field = key.string ?? "?"
                guard let scalar = value.scalar?.string else { throw fail("\(name).\(field) must be a single value") }
                switch field {
                case "account_id": accountText = scalar
                case "currency": currency = scalar
                case "amount":
                    guard let number = Double(scalar), number.isFinite, number > 0 else {
                        throw fail("\(name).amount \"\(scalar)\" is not a positive number")
                    }
                    amount = number
                case "warn_ratio":
                    guard let number = Double(scalar), number > 0, number <= 1 else {
                        throw fail("\(name).warn_ratio \"\(scalar)\" is not in (0, 1]")
                    }
                    warnRatio = number
                default:
                    throw fail("unknown key \(name).\(field)", "use account_id, currency, amount and warn_ratio")
                }
            }
            guard let accountText, let account = AccountID(accountText) else {
                throw fail("\(name).account_id is missing or not a 32-character lowercase hex account id")
            }
            guard watchedAccounts?.contains(account) ?? true else {
                throw fail(
                    "\(name).account_id \(account) is not one of the watched accounts",
                    "add it with --cloudflare.account-id or remove the budget")
            }
            guard let currency, currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw fail("\(name).currency is missing or not an ISO 4217 code such as USD")
            }
            guard let amount else { throw fail("\(name).amount is missing") }
            guard !budgets.contains(where: { $0.account == account && $0.currency == currency }) else {
                throw fail("\(name) repeats the budget for \(account) in \(currency)")
            }
            budgets.append(Budget(account: account, currency: currency, amount: amount, warnRatio: warnRatio))
        }
        return budgets
    }
}
