import Synchronization

/// The accounts that have a refresh loop running, each with its loop's number, so that
/// discovery starts each one once, and a loop left asleep by an account that went and came back
/// ends when it wakes instead of running beside the account's new loop.
final class RunningAccounts: Sendable {
    private struct State {
        var loops: [AccountID: UInt64] = [:]
        var nextLoop: UInt64 = 0
    }

    private let state = Mutex(State())

    /// The new loop's number when `account` had no loop; nil when one runs.
    func start(_ account: AccountID) -> UInt64? {
        state.withLock { state in
            guard state.loops[account] == nil else { return nil }
            state.nextLoop &+= 1
            state.loops[account] = state.nextLoop
            return state.nextLoop
        }
    }

    /// Forgets the loops of the accounts no longer watched: each ends when it next looks, and
    /// an account watched again gets a new loop (and so its first refresh at once).
    func forget(allBut watched: Set<AccountID>) {
        state.withLock { state in
            state.loops = state.loops.filter { watched.contains($0.key) }
        }
    }

    /// Forgets the loops of `accounts`, just removed from the store: told at once, so that one
    /// given back before the refresher next looks still gets a new loop.
    func forget(_ accounts: [AccountID]) {
        state.withLock { state in
            for account in accounts { state.loops[account] = nil }
        }
    }

    /// Whether `loop` is still the one refreshing `account`.
    func isCurrent(_ loop: UInt64, of account: AccountID) -> Bool {
        state.withLock { $0.loops[account] == loop }
    }

    /// Records that `loop` ended, unless a newer loop has replaced it.
    func end(_ loop: UInt64, of account: AccountID) {
        state.withLock { state in
            if state.loops[account] == loop { state.loops[account] = nil }
        }
    }
}
