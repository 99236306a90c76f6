import Synchronization

/// The accounts that have a refresh loop running, so that discovery starts each one once.
final class RunningAccounts: Sendable {
    private let accounts = Mutex<Set<AccountID>>([])

    /// True when `account` had no loop and is now marked as having one.
    func insert(_ account: AccountID) -> Bool {
        accounts.withLock { $0.insert(account).inserted }
    }

    func remove(_ account: AccountID) {
        _ = accounts.withLock { $0.remove(account) }
    }
}
