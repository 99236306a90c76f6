import Logging
import Synchronization

/// The budgets in force, replaced whole when the budget file is reloaded (SIGHUP).
public final class BudgetBook: Sendable {
    private let state: Mutex<(generation: UInt64, budgets: [Budget])>
    private let path: String?
    private let watchedAccounts: [AccountID]
    private let logger: Logger

    public init(_ budgets: [Budget], path: String?, watchedAccounts: [AccountID], logger: Logger) {
        state = Mutex((0, budgets))
        self.path = path
        self.watchedAccounts = watchedAccounts
        self.logger = logger
    }

    /// The budgets and a number that grows with every change.
    public var current: (generation: UInt64, budgets: [Budget]) { state.withLock { $0 } }

    /// Re-reads the file; an invalid file keeps the budgets in force and logs why.
    public func reload(reason: String) {
        guard let path else { return }
        do {
            let budgets = try BudgetFile.load(path: path, watchedAccounts: watchedAccounts)
            state.withLock { $0 = ($0.generation + 1, budgets) }
            logger.info("reloaded budgets", metadata: ["file": "\(path)", "budgets": "\(budgets.count)", "trigger": "\(reason)"])
        } catch {
            logger.error("kept the previous budgets", metadata: ["trigger": "\(reason)", "error": "\(error)"])
        }
    }
}
