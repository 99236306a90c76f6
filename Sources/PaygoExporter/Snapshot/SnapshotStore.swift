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
        var generation: UInt64 = 0
    }

    private let state: Mutex<State>
    /// The configured accounts, sorted.
    public let accounts: [AccountID]

    public init(accounts: [AccountID]) {
        let sorted = Array(Set(accounts)).sorted()
        self.accounts = sorted
        state = Mutex(
            State(
                entries: Dictionary(
                    uniqueKeysWithValues: sorted.map {
                        ($0, Entry(snapshot: AccountSnapshot(account: $0), generation: 0))
                    })))
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
        state.withLock { state in (state.generation, accounts.compactMap { state.entries[$0] }) }
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
