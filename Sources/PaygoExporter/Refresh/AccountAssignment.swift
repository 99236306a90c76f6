import Logging
import Synchronization

/// Which credential polls which account, and so which accounts the store watches: the ids
/// given for each credential (this shard's share) until its discovery has listed, then what the
/// listing keeps. An account reachable by two credentials is polled once, by the first in the
/// configuration's order, and the log says so once. The one owner of the watched set: every
/// change goes through here to the store, the routes and the shard's count.
public final class AccountAssignment: Sendable {
    private struct State {
        /// Per credential, the ids given, before the shard's share.
        var given: [[AccountID]]
        /// Per credential, what its newest listing keeps for this shard; nil until it listed
        /// (or for a credential that does not discover).
        var discovered: [[AccountID]?]
        /// Per credential, what its newest listing showed for every shard.
        var seen: [Set<AccountID>?]
        /// Per credential, what it keeps watching only until max-stale: its listing no longer
        /// shows them.
        var unlisted: [Set<AccountID>]
        var labels: [AccountID: [String: String]]
        /// Accounts already logged as reachable by more than one credential.
        var reportedTwice: Set<AccountID> = []
    }

    private let names: [String]
    /// Per credential, whether its given accounts stay beside what its discovery lists.
    private let keepsGiven: [Bool]
    private let shard: Shard
    private let store: SnapshotStore
    private let routing: RoutingUsageSource?
    private let shardStatus: ShardStatus?
    private let logger: Logger
    private let state: Mutex<State>
    /// Held from working out the assignment to publishing it: two credentials' listings (or a
    /// listing and a reload) that finish together must not publish in the opposite order to
    /// the one they computed in, or the older assignment would win until the next listing.
    private let applying = Mutex(())

    public init(
        credentials: [(name: String, accounts: [AccountID], keepsGiven: Bool)], shard: Shard = .whole,
        labels: [AccountID: [String: String]] = [:], store: SnapshotStore, routing: RoutingUsageSource? = nil,
        shardStatus: ShardStatus? = nil, logger: Logger
    ) {
        names = credentials.map(\.name)
        keepsGiven = credentials.map(\.keepsGiven)
        self.shard = shard
        self.store = store
        self.routing = routing
        self.shardStatus = shardStatus
        self.logger = logger
        state = Mutex(
            State(
                given: credentials.map(\.accounts), discovered: credentials.map { _ in nil }, seen: credentials.map { _ in nil },
                unlisted: credentials.map { _ in [] }, labels: labels))
    }

    /// Watches what the configuration gives, before any listing; returns the accounts added.
    @discardableResult
    public func start() -> [AccountID] {
        let added = apply().added
        for account in store.accounts { applyLabels(to: account) }
        return added
    }

    /// A listing of credential `index`: what it keeps for this shard, which of those it no
    /// longer lists (kept until max-stale; nil: unknown, the listing failed) and, when it
    /// listed, what it showed for every shard. Returns the accounts added and removed.
    @discardableResult
    public func discovered(
        _ accounts: [AccountID], unlisted: Set<AccountID>? = [], seen: Set<AccountID>?, byCredential index: Int
    ) -> (
        added: [AccountID], removed: [AccountID]
    ) {
        // The change and its publication under one lock: otherwise another caller's publication
        // could carry this change, and this caller would be told nothing was added.
        applying.withLock { _ in
            state.withLock { state in
                guard state.discovered.indices.contains(index) else { return }
                state.discovered[index] = accounts
                if let unlisted { state.unlisted[index] = unlisted }
                if let seen { state.seen[index] = seen }
            }
            return publish()
        }
    }

    /// A reloaded `--config.file`: the ids given per credential (by name) and the static labels.
    /// A credential the file no longer names keeps its ids: it runs until the next start.
    @discardableResult
    public func reload(given: [String: [AccountID]], labels: [AccountID: [String: String]]) -> (added: [AccountID], removed: [AccountID]) {
        let change = applying.withLock { _ in
            state.withLock { state in
                for (index, name) in names.enumerated() {
                    if let accounts = given[name] { state.given[index] = accounts }
                }
                state.labels = labels
            }
            return publish()
        }
        for account in store.accounts { applyLabels(to: account) }
        return change
    }

    /// Each account once, for the first credential that has it; and who else has it.
    private static func assign(
        _ state: State, shard: Shard, keepsGiven: [Bool]
    ) -> (owner: [AccountID: Int], order: [AccountID], twice: [(AccountID, [Int])]) {
        var owner: [AccountID: Int] = [:]
        var order: [AccountID] = []
        var others: [AccountID: [Int]] = [:]
        // First what each credential gives or still lists, then what some keep only until
        // max-stale: a credential that lost an account never outranks one that has it.
        for keptOnly in [false, true] {
            for index in state.given.indices {
                let given = state.given[index].filter(shard.owns)
                let accounts = state.discovered[index].map { (keepsGiven[index] ? given : []) + $0 } ?? given
                let unlisted = state.unlisted[index].subtracting(given)
                for account in accounts where unlisted.contains(account) == keptOnly {
                    if let first = owner[account] {
                        if first != index, others[account]?.contains(index) != true { others[account, default: [first]].append(index) }
                    } else {
                        owner[account] = index
                        order.append(account)
                    }
                }
            }
        }
        return (owner, order, others.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    private func apply() -> (added: [AccountID], removed: [AccountID]) {
        applying.withLock { _ in publish() }
    }

    private func publish() -> (added: [AccountID], removed: [AccountID]) {
        let (assignment, seenCount, twice) = state.withLock { state in
            let assignment = Self.assign(state, shard: shard, keepsGiven: keepsGiven)
            var seen = Set<AccountID>()
            for index in state.given.indices {
                let given = Set(state.given[index])
                seen.formUnion(state.seen[index].map { keepsGiven[index] ? $0.union(given) : $0 } ?? given)
            }
            let twice = assignment.twice.filter { state.reportedTwice.insert($0.0).inserted }
            return (assignment, seen.count, twice)
        }
        for (account, credentials) in twice {
            logger.info(
                "account reachable by more than one credential; polled with the first",
                metadata: [
                    "account_id": "\(account)", "credential": "\(names[credentials[0]])",
                    "also": "\(credentials.dropFirst().map { names[$0] }.joined(separator: ","))",
                ])
        }
        routing?.route(assignment.owner)
        shardStatus?.seen(seenCount)
        let change = store.replaceAccounts(with: assignment.order)
        for account in change.added { applyLabels(to: account) }
        return change
    }

    private func applyLabels(to account: AccountID) {
        let labels = state.withLock { $0.labels[account] ?? [:] }
        store.update(account) { snapshot in
            guard snapshot.staticLabels != labels else { return snapshot }
            var labelled = snapshot
            labelled.staticLabels = labels
            return labelled
        }
    }
}
