import Synchronization

/// The one owner of every account's latest snapshot.
///
/// Refreshers write, scrapes read; each account's entry carries a generation that grows with
/// every change so readers can tell what is new without comparing contents.
public final class SnapshotStore: Sendable {
    /// An account's snapshot and the generation at which it last changed.
    public struct Entry: Sendable {
        public var snapshot: AccountSnapshot
        public var generation: UInt64
    }

    private struct State {
        var entries: [AccountID: Entry]
        /// Sorted.
        var accounts: [AccountID]
        var generation: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(accounts: [AccountID]) {
        let sorted = Array(Set(accounts)).sorted()
        state = Mutex(
            State(
                entries: Dictionary(
                    uniqueKeysWithValues: sorted.map {
                        ($0, Entry(snapshot: AccountSnapshot(account: $0), generation: 0))
                    }),
                accounts: sorted))
    }

    /// The watched accounts, sorted: the configured ones, or what discovery found.
    public var accounts: [AccountID] {
        state.withLock { $0.accounts }
    }

    /// Watches exactly `accounts` from now on: new ones start empty, gone ones are dropped with
    /// their series, the others keep their snapshots. Returns what changed.
    @discardableResult
    public func replaceAccounts(with accounts: [AccountID]) -> (added: [AccountID], removed: [AccountID]) {
        let sorted = Array(Set(accounts)).sorted()
        return state.withLock { state in
            let old = Set(state.accounts)
            let new = Set(sorted)
            let added = sorted.filter { !old.contains($0) }
            let removed = state.accounts.filter { !new.contains($0) }
            guard !added.isEmpty || !removed.isEmpty else { return ([], []) }
            state.generation += 1
            for account in removed { state.entries[account] = nil }
            for account in added {
                state.entries[account] = Entry(snapshot: AccountSnapshot(account: account), generation: state.generation)
            }
            state.accounts = sorted
            return (added, removed)
        }
    }

    /// Replaces an account's snapshot with the result of `transform`.
    public func update(_ account: AccountID, _ transform: (AccountSnapshot) -> AccountSnapshot) {
        state.withLock { state in
            guard let entry = state.entries[account] else { return }
            state.generation += 1
            state.entries[account] = Entry(snapshot: transform(entry.snapshot), generation: state.generation)
        }
    }

    /// One account's snapshot; nil for an account the store does not hold.
    public func snapshot(of account: AccountID) -> AccountSnapshot? {
        state.withLock { $0.entries[account]?.snapshot }
    }

    /// Every account's entry, sorted by account.
    public func entries() -> [Entry] {
        versionedEntries().entries
    }

    /// Every account's entry, sorted by account, and the store's generation they are from.
    public func versionedEntries() -> (generation: UInt64, entries: [Entry]) {
        state.withLock { state in (state.generation, state.accounts.compactMap { state.entries[$0] }) }
    }

    /// A number that grows with every change to any account: one comparison tells a reader
    /// whether anything is new.
    public var generation: UInt64 {
        state.withLock { $0.generation }
    }

    /// True once every account has finished at least one refresh, good or bad.
    public var everyAccountTried: Bool {
        state.withLock { state in state.entries.values.allSatisfy { $0.snapshot.health.up != nil } }
    }
}
