import Synchronization

/// Remembers which accounts something was already said about, so a log line that would repeat
/// every refresh is written once per account for the life of the process.
final class OncePerAccount: Sendable {
    private let seen = Mutex<Set<AccountID>>([])

    /// True the first time it is asked about `account`, false after.
    func first(_ account: AccountID) -> Bool {
        seen.withLock { $0.insert(account).inserted }
    }
}
