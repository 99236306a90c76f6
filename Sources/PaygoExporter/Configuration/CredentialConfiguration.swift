/// One credential the exporter polls with: how it reaches the API (its own token, budget and
/// `credential` label), the accounts given for it, and whether it discovers more. The flags
/// make one, named `default`; `--config.file` makes one per `credentials` entry.
public struct CredentialConfiguration: Sendable {
    public var api: CloudflareAPIConfiguration
    /// The ids given for this credential, before the shard's share is taken.
    public var accounts: [AccountID]
    /// Set when the credential also watches every account its token lists.
    public var discovery: DiscoverySettings?
    /// Whether `accounts` stay watched beside what discovery lists (`--config.file`: "accounts"
    /// and "discover" add up), rather than narrowing it (the flags: `--cloudflare.account-id`
    /// with `--cloudflare.discover-accounts`).
    public var keepsGivenAccounts: Bool

    public init(
        api: CloudflareAPIConfiguration, accounts: [AccountID], discovery: DiscoverySettings? = nil, keepsGivenAccounts: Bool = false
    ) {
        self.api = api
        self.accounts = accounts
        self.discovery = discovery
        self.keepsGivenAccounts = keepsGivenAccounts
    }

    public var name: String { api.credentialName }
}
