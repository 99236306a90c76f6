import Foundation

/// What `--cloudflare.discover-accounts` watches: every account the token lists, narrowed by
/// the given ids, less the excluded ones and those whose name the pattern does not match.
public struct DiscoverySettings: Sendable, Hashable {
    /// How often the token's accounts are listed again (`--cloudflare.discovery-interval`).
    public var interval: Duration
    /// Ids given alongside discovery: only these are watched, once listed (or when the token
    /// may not list accounts).
    public var onlyAccounts: Set<AccountID>
    public var excludedAccounts: Set<AccountID>
    /// Matched against the whole name (anchored, as Prometheus regexes are); nil keeps all.
    public var namePattern: String?
    /// An account the listing no longer shows is dropped after this long (`--cloudflare.max-stale`).
    public var maxStaleSeconds: Double
    /// Only this replica's share of what is listed is watched.
    public var shard: Shard

    public static let defaultInterval = Duration.seconds(3_600)

    public init(
        interval: Duration = DiscoverySettings.defaultInterval, onlyAccounts: Set<AccountID> = [], excludedAccounts: Set<AccountID> = [],
        namePattern: String? = nil, maxStaleSeconds: Double = 86_400, shard: Shard = .whole
    ) {
        self.shard = shard
        self.interval = interval
        self.onlyAccounts = onlyAccounts
        self.excludedAccounts = excludedAccounts
        self.namePattern = namePattern
        self.maxStaleSeconds = maxStaleSeconds
    }

    /// Whether a listed account is watched by some shard: `keeps` before the shard's share.
    func keeps(_ account: ListedAccount, nameMatcher: NSRegularExpression?) -> Bool {
        guard !excludedAccounts.contains(account.id) else { return false }
        guard onlyAccounts.isEmpty || onlyAccounts.contains(account.id) else { return false }
        guard let nameMatcher else { return true }
        let name = account.name ?? ""
        return nameMatcher.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }

    /// The pattern compiled and anchored; nil when there is none. Throws for a pattern that does
    /// not compile, for the start-up check.
    func compiledNamePattern() throws -> NSRegularExpression? {
        try namePattern.map { try NSRegularExpression(pattern: "^(?:\($0))$") }
    }
}
