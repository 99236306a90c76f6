import Logging

/// The budgets in force, replaced whole when the budget file is reloaded (SIGHUP).
public typealias BudgetBook = ReloadableFile<[Budget]>

extension ReloadableFile where Value == [Budget] {
    /// Budgets from `path` (checked against `watchedAccounts`, when fixed, on every reload), or
    /// the fixed `budgets` when `path` is nil.
    public convenience init(_ budgets: [Budget], path: String?, watchedAccounts: [AccountID]?, logger: Logger) {
        self.init(budgets, path: path, subject: "budgets", logger: logger, summary: { ["budgets": "\($0.count)"] }) { path in
            try BudgetFile.load(path: path, watchedAccounts: watchedAccounts)
        }
    }
}
