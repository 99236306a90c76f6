/// One credential the exporter polls with: how it reaches the API (its own token, budget and
/// `credential` label), the accounts given for it, and whether it discovers more. The flags
/// make one, named `default`; `--config.file` makes one per `credentials` entry.
public struct CredentialConfiguration: Sendable {
    public var api: CloudflareAPIConfiguration
    /// The ids given for this credential, before the shard's share is taken.
    public var accounts: [AccountID]
    /// Set when the credential also watches every account its token lists.
    public var discovery: DiscoverySettings?

    public init(api: CloudflareAPIConfiguration, accounts: [AccountID], discovery: DiscoverySettings? = nil) {
        self.api = api
        self.accounts = accounts
        self.discovery = discovery
    }

    public var name: String { api.credentialName }
}
