import Foundation
import Logging
import ServiceLifecycle

/// `--cloudflare.discover-accounts`: lists the token's accounts at start and every
/// `settings.interval`, and makes the store watch what the listing shows (narrowed, excluded
/// and filtered by name as configured), with the names it gives.
///
/// An account the listing stops showing is kept for `settings.maxStaleSeconds`, then dropped
/// with its series. A token that may not list accounts (403, or an empty list while ids are
/// given) is explained once, and the given ids are watched.
public struct AccountDiscovery: Service {
    private let endpoint: AccountsEndpoint
    private let store: SnapshotStore
    private let refresher: UsageRefresher
    private let settings: DiscoverySettings
    private let assignment: AccountAssignment
    private let credential: Int
    private let credentialName: String
    private let status: DiscoveryStatus?
    private let clock: any ExporterClock
    private let logger: Logger

    public init(
        endpoint: AccountsEndpoint, store: SnapshotStore, refresher: UsageRefresher, settings: DiscoverySettings,
        assignment: AccountAssignment? = nil, credential: Int = 0,
        credentialName: String = CloudflareAPIConfiguration.defaultCredentialName, status: DiscoveryStatus? = nil,
        clock: any ExporterClock = SystemClock(), logger: Logger
    ) {
        // Alone (one credential, tests), the listing decides the watched accounts by itself.
        self.assignment =
            assignment
            ?? AccountAssignment(credentials: [(CloudflareAPIConfiguration.defaultCredentialName, [], false)], store: store, logger: logger)
        self.credential = credential
        self.credentialName = credentialName
        self.status = status
        self.endpoint = endpoint
        self.store = store
        self.refresher = refresher
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        // Checked at start-up; a pattern that does not compile here keeps every name.
        let settings = settings
        await cancelWhenGracefulShutdown {
            let matcher = try? settings.compiledNamePattern()
            var state = DiscoveryState(settings: settings)
            while !Task.isCancelled {
                await discover(into: &state, matcher: matcher)
                do {
                    try await clock.sleep(for: settings.interval)
                } catch {
                    return
                }
            }
        }
    }

    /// One listing, applied to the store.
    func discover(into state: inout DiscoveryState, matcher: NSRegularExpression?) async {
        let now = clock.unixTime
        let listing = await endpoint.listAccounts()
        if case .success = listing {
            status?.record(credential: credentialName, successful: true, at: clock.unixTime)
        } else {
            status?.record(credential: credentialName, successful: false, at: clock.unixTime)
        }
        let change = state.apply(listing, at: now, matcher: matcher)
        if let explanation = change.explanation {
            logger.warning("\(explanation.message)", metadata: ["fix": "\(explanation.fix)"])
        }
        for account in change.givenButNotListed {
            logger.warning(
                "an account given alongside discovery is not in the token's listing, so it is not watched",
                metadata: [
                    "account_id": "\(account)",
                    "fix":
                        "check the id, or give this token access to the account (Account Settings Read lists it, Billing Read polls it)",
                ])
        }
        for (account, name) in change.names {
            store.update(account) { snapshot in
                guard snapshot.accountName != name else { return snapshot }
                var named = snapshot
                named.accountName = name
                return named
            }
        }
        let (added, removed) = assignment.discovered(
            change.watched, unlisted: change.unlisted, seen: change.seen, byCredential: credential)
        for (account, name) in change.names where added.contains(account) {
            store.update(account) { snapshot in
                var named = snapshot
                named.accountName = name
                return named
            }
        }
        if !added.isEmpty || !removed.isEmpty {
            logger.info(
                "watched accounts changed",
                metadata: [
                    "added": "\(added.count)", "removed": "\(removed.count)", "watched": "\(change.watched.count)",
                    "removed_ids": "\(removed.map(\.rawValue).joined(separator: ","))",
                ])
        }
        // Also when none came or went: an account may have moved to another credential. The
        // plan keeps every schedule whose accounts did not change.
        refresher.watchedAccountsChanged(removed: removed)
    }
}

/// What discovery knows between listings: when each account was last listed. Pure, so every
/// rule (narrowing, exclusion, names, staleness, a token that may not list) is testable alone.
struct DiscoveryState {
    struct Change {
        var watched: [AccountID]
        var names: [(AccountID, String)]
        var explanation: (message: String, fix: String)?
        /// Accounts the listing showed that some shard watches (this one's and the others');
        /// nil when the listing failed.
        var seen: Set<AccountID>?
        /// Ids given to narrow discovery that this listing, the first to miss them, does not show.
        var givenButNotListed: [AccountID] = []
        /// Watched ones this listing no longer shows, kept until max-stale: another credential
        /// that gives or lists them polls them first. Nil when the listing failed (nothing new
        /// is known).
        var unlisted: Set<AccountID>? = nil
    }

    let settings: DiscoverySettings
    private(set) var lastListed: [AccountID: Double] = [:]
    private var explainedListingProblem = false
    /// Given ids already logged as missing from the listing (logged again once listed again).
    private var reportedNotListed: Set<AccountID> = []

    init(settings: DiscoverySettings) {
        self.settings = settings
    }

    mutating func apply(
        _ listing: Result<[ListedAccount], CloudflareAPIError>, at now: Double, matcher: NSRegularExpression?
    ) -> Change {
        var names: [(AccountID, String)] = []
        var explanation: (message: String, fix: String)?
        var seen: Set<AccountID>?
        var givenButNotListed: [AccountID] = []
        switch listing {
        case .success(let accounts):
            let kept = accounts.filter { settings.keeps($0, nameMatcher: matcher) }
            seen = Set(kept.map(\.id))
            for account in kept where settings.shard.owns(account.id) {
                lastListed[account.id] = now
                if let name = account.name { names.append((account.id, name)) }
            }
            if !accounts.isEmpty {
                let listed = Set(accounts.map(\.id))
                let missing = settings.onlyAccounts.filter { settings.shard.owns($0) && !listed.contains($0) }
                reportedNotListed.formIntersection(missing)
                givenButNotListed = missing.subtracting(reportedNotListed).sorted()
                reportedNotListed.formUnion(missing)
            }
            if accounts.isEmpty, !settings.onlyAccounts.isEmpty, !explainedListingProblem {
                explainedListingProblem = true
                explanation = (
                    "the token lists no accounts (an account-scoped token may see none); watching the ids given",
                    "give the token Account Settings Read to discover accounts, or keep giving their ids (--cloudflare.account-id, or accounts in --config.file)"
                )
            }
        case .failure(let error):
            if !explainedListingProblem {
                explainedListingProblem = true
                let fallback =
                    if !lastListed.isEmpty {
                        "the accounts listed before stay watched until --cloudflare.max-stale"
                    } else if settings.onlyAccounts.isEmpty {
                        "no account is watched until it can"
                    } else {
                        "watching the ids given"
                    }
                explanation = (
                    "account discovery failed: \(error); \(fallback)",
                    error.reason == .auth
                        ? "give the token Account Settings Read to discover accounts, or give their ids (--cloudflare.account-id, or accounts in --config.file)"
                        : "the next listing is tried after --cloudflare.discovery-interval"
                )
            }
        }
        // Listed within max-stale; the given ids as well whenever listing shows none of them.
        var watched = lastListed.filter { now - $0.value < settings.maxStaleSeconds }.map(\.key)
        lastListed = lastListed.filter { now - $0.value < settings.maxStaleSeconds }
        let listedNone: Bool = {
            if case .success(let accounts) = listing { return accounts.isEmpty }
            return true
        }()
        var unlisted: Set<AccountID>?
        if case .success = listing { unlisted = Set(watched.filter { lastListed[$0] != now }) }
        if listedNone, watched.isEmpty {
            watched = settings.onlyAccounts.filter(settings.shard.owns)
            seen = settings.onlyAccounts
        }
        return Change(
            watched: watched.sorted(), names: names, explanation: explanation, seen: seen, givenButNotListed: givenButNotListed,
            unlisted: unlisted)
    }
}
