import Synchronization

/// When each account's name was last asked for (`GET /accounts/{id}`), for accounts whose
/// answers carry none: asked at the first refresh, and again a day later only if that answer
/// gave no name (a 429 during the first cycle, a passing outage), not at every refresh.
final class NameLookups: Sendable {
    static let retrySeconds: Double = 86_400

    private let asked = Mutex<[AccountID: Double]>([:])

    /// Whether to ask for `account`'s name at `now`; if so, the ask is recorded.
    func shouldAsk(_ account: AccountID, at now: Double) -> Bool {
        asked.withLock { asked in
            if let last = asked[account], now - last < Self.retrySeconds { return false }
            asked[account] = now
            return true
        }
    }

    /// Forgets the accounts no longer watched: one watched again is asked again.
    func forget(allBut watched: Set<AccountID>) {
        asked.withLock { asked in asked = asked.filter { watched.contains($0.key) } }
    }
}
