import Foundation
import Logging

/// Everything the exporter needs to run, validated.
public struct ExporterConfiguration: Sendable {
    /// Chosen above the ranges Prometheus exporters and common services use.
    public static let defaultPort = 10133

    /// Where usage comes from.
    public enum Mode: Sendable {
        /// The built-in sample accounts; no token, no network.
        case demo
        /// Cloudflare's API with one or more credentials (each its own token, budget and
        /// accounts), and the usage path to try first.
        case cloudflare([CredentialConfiguration], usagePath: String)
    }

    public var listenAddress: ListenAddress
    public var telemetryPath: String
    /// The accounts this replica watches from the start: the ids given (or the demo's), less
    /// those of other shards.
    public var accounts: [AccountID]
    /// Every id given, before the shard's share is taken: budgets may name any of them, and
    /// their count is `cloudflare_paygo_shard_accounts_seen` when nothing is discovered.
    public var givenAccounts: [AccountID]
    /// The accounts a budget may name: the ids given, or nil (any account) when discovery or a
    /// `--config.file` reload can change the watched set while running.
    public var budgetAccounts: [AccountID]? {
        Self.budgetAccounts(given: givenAccounts, credentials: credentials, fromFile: configFile != nil)
    }

    private static func budgetAccounts(given: [AccountID], credentials: [CredentialConfiguration], fromFile: Bool) -> [AccountID]? {
        fromFile || credentials.contains { $0.discovery != nil } ? nil : given
    }
    /// This replica's share of the accounts (`--shard`, `--total-shards`); `.whole` alone.
    public var shard: Shard = .whole
    public var mode: Mode
    public var refreshInterval: Duration
    /// How long a failing account's last good usage stays served.
    public var maxStaleSeconds: Double
    /// Usage series kept from one account's answer; the rest are dropped and counted.
    public var maxSeriesPerAccount: Int
    /// Whether usage is also broken down by zone (`--usage.by-zone`).
    public var usageByZone: Bool
    /// Static labels per account from `--config.file`, on `cloudflare_paygo_account_info`.
    public var accountLabels: [AccountID: [String: String]] = [:]
    /// `--config.file`, re-read on SIGHUP; nil with the flags' one credential.
    public var configFile: String?
    /// What the flags give every credential of `--config.file`, for its reload.
    public var configFileDefaults: ExporterConfigFile.Defaults?
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var web: WebServerSettings
    public var budgets: [Budget]
    /// Re-read on SIGHUP; nil when budgets are not configured (or are the demo's).
    public var budgetFile: String?

    public init(
        listenAddress: ListenAddress,
        telemetryPath: String = "/metrics",
        accounts: [AccountID],
        mode: Mode,
        refreshInterval: Duration = .seconds(600),
        maxStaleSeconds: Double = 86_400,
        maxSeriesPerAccount: Int = AccountUsage.defaultMaxSeries,
        usageByZone: Bool = false,
        logLevel: Logger.Level = .info,
        logFormat: LogFormat = .logfmt,
        web: WebServerSettings = WebServerSettings(),
        budgets: [Budget] = [],
        budgetFile: String? = nil
    ) {
        self.listenAddress = listenAddress
        self.telemetryPath = telemetryPath
        self.accounts = accounts
        self.givenAccounts = accounts
        self.mode = mode
        self.refreshInterval = refreshInterval
        self.maxStaleSeconds = maxStaleSeconds
        self.maxSeriesPerAccount = maxSeriesPerAccount
        self.usageByZone = usageByZone
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.web = web
        self.budgets = budgets
        self.budgetFile = budgetFile
    }

    public var isDemo: Bool {
        if case .demo = mode { true } else { false }
    }

    /// The credentials; none in demo mode.
    public var credentials: [CredentialConfiguration] {
        if case .cloudflare(let credentials, _) = mode { credentials } else { [] }
    }

    /// Each credential's name and budget, for its refresh schedule; one unlimited credential in
    /// demo mode, which makes no calls.
    public var refreshCredentials: [RefreshPlan.Credential] {
        isDemo ? [RefreshPlan.Credential(name: "demo", rate: nil)] : credentials.map { .init(name: $0.name, rate: $0.api.rateLimit) }
    }

    /// The discovery of the first credential that discovers (the flags' one, when set).
    public var discovery: DiscoverySettings? { credentials.lazy.compactMap(\.discovery).first }

    /// Checks the flags and the environment; the first problem found is thrown with its fix.
    public init(options: CommandLineOptions, environment: [String: String]) throws(ConfigurationError) {
        listenAddress = try ListenAddress(parsing: options.listenAddress)

        let path = options.telemetryPath
        guard path.hasPrefix("/"), path != "/", !path.hasPrefix("/-/"), !path.contains(where: { $0 == " " || $0 == "?" || $0 == "#" })
        else {
            throw ConfigurationError(
                "--web.telemetry-path \"\(path)\" is not a usable path",
                fix: "give an absolute path other than / and /-/..., e.g. /metrics")
        }
        telemetryPath = path

        guard FlagRanges.maxRequests.contains(options.maxRequests) else {
            throw ConfigurationError(
                "--web.max-requests \(options.maxRequests) is not from \(FlagRanges.maxRequests.lowerBound) to \(FlagRanges.maxRequests.upperBound)",
                fix: "use 0 for no limit or a number such as 40")
        }
        let connections = WebServerSettings.maxConnectionsRange
        guard connections.contains(options.maxConnections) else {
            throw ConfigurationError(
                "--web.max-connections \(options.maxConnections) is not between \(connections.lowerBound) and \(connections.upperBound)",
                fix:
                    "use e.g. \(WebServerSettings.defaultMaxConnections); it is lowered by itself when the limit on open files leaves less room"
            )
        }
        web = try WebServerSettings(maxRequests: options.maxRequests, webConfigFile: options.webConfigFile)
        web.openMetrics = !options.disableOpenMetrics
        web.maxConnections = options.maxConnections

        guard let level = Self.logLevels[options.logLevel] else {
            throw ConfigurationError("--log.level \"\(options.logLevel)\" is unknown", fix: "use one of debug, info, warn, error")
        }
        logLevel = level
        guard let format = LogFormat(rawValue: options.logFormat) else {
            throw ConfigurationError("--log.format \"\(options.logFormat)\" is unknown", fix: "use logfmt or json")
        }
        logFormat = format

        let interval = try FlagRanges.duration(
            options.refreshInterval, flag: "--cloudflare.refresh-interval", in: FlagRanges.refreshIntervalSeconds, example: "10m, 1h or 90s"
        )
        refreshInterval = .saturating(seconds: interval)
        let timeout = try FlagRanges.duration(
            options.timeout, flag: "--cloudflare.timeout", in: FlagRanges.timeoutSeconds, example: "60s or 2m")

        guard let rateLimit = RequestRate(parsing: options.rateLimit) else {
            let requests = FlagRanges.rateLimitRequests, window = FlagRanges.rateLimitWindowSeconds
            throw ConfigurationError(
                "--cloudflare.rate-limit \(FlagRanges.quoted(options.rateLimit)) is not n/duration with n from \(requests.lowerBound) "
                    + "to \(requests.upperBound) and a duration from \(FlagRanges.spell(window.lowerBound)) to \(FlagRanges.spell(window.upperBound))",
                fix: "use e.g. 600/5m; Cloudflare allows 1200/5m per token, shared with everything else using it")
        }

        guard let maxBody = ByteSize.parse(options.maxBodySize), FlagRanges.maxBodyBytes.contains(maxBody) else {
            throw ConfigurationError(
                "--cloudflare.max-body-size \(FlagRanges.quoted(options.maxBodySize)) is not a size from 1KiB to 4GiB",
                fix: "use e.g. 64MiB, 512KiB or a number of bytes")
        }
        maxStaleSeconds = try FlagRanges.duration(
            options.maxStale, flag: "--cloudflare.max-stale", in: FlagRanges.maxStaleSeconds, example: "24h or 90m")
        guard FlagRanges.maxSeriesPerAccount.contains(options.maxSeriesPerAccount) else {
            let range = FlagRanges.maxSeriesPerAccount
            throw ConfigurationError(
                "--cloudflare.max-series-per-account \(options.maxSeriesPerAccount) is not from \(range.lowerBound) to \(range.upperBound)",
                fix: "use e.g. \(AccountUsage.defaultMaxSeries), the default")
        }
        maxSeriesPerAccount = options.maxSeriesPerAccount
        usageByZone = options.usageByZone

        guard FlagRanges.totalShards.contains(options.totalShards) else {
            throw ConfigurationError(
                "--total-shards \(options.totalShards) is not from \(FlagRanges.totalShards.lowerBound) to \(FlagRanges.totalShards.upperBound)",
                fix: "give the number of replicas that split the accounts, e.g. 3; 1 (the default) serves every account")
        }
        guard let shard = Shard(index: options.shard, total: options.totalShards) else {
            throw ConfigurationError(
                "--shard \(options.shard) is not from 0 to \(options.totalShards - 1) (--total-shards \(options.totalShards))",
                fix: "number the replicas from 0, e.g. with a StatefulSet pod's ordinal (deploy/kubernetes/sharded)")
        }
        self.shard = shard

        if options.demo {
            guard options.accountIDs.isEmpty, !options.discoverAccounts, options.configFile == nil else {
                throw ConfigurationError(
                    "--demo serves its own sample accounts and takes no Cloudflare accounts or credentials",
                    fix:
                        "drop --cloudflare.account-id, --cloudflare.discover-accounts and --config.file, or drop --demo to watch real accounts"
                )
            }
            givenAccounts = DemoConfiguration.accounts
            accounts = DemoConfiguration.accounts.filter(shard.owns)
            mode = .demo
            budgetFile = options.budgetFile
            budgets =
                if let path = options.budgetFile {
                    try BudgetFile.load(path: path, watchedAccounts: DemoConfiguration.accounts)
                } else {
                    DemoConfiguration.budgets
                }
            return
        }

        guard let url = URL(string: options.apiURL), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host != nil,
            url.query == nil, url.user == nil, url.password == nil
        else {
            throw ConfigurationError(
                "--cloudflare.api-url is not an http(s) URL without query or credentials",
                fix: "use e.g. \(CloudflareAPIConfiguration.defaultBaseURL)")
        }
        guard options.usagePath.hasPrefix("/"), options.usagePath.contains("{account_id}") else {
            throw ConfigurationError(
                "--cloudflare.usage-path \"\(options.usagePath)\" must start with / and contain {account_id}",
                fix: "use e.g. \(UsageEndpoint.defaultPath)")
        }
        let discoveryInterval = try FlagRanges.duration(
            options.discoveryInterval, flag: "--cloudflare.discovery-interval", in: FlagRanges.discoveryIntervalSeconds,
            example: "1h or 30m")
        // What every credential shares; each sets its own secret, name and rate.
        let template = CloudflareAPIConfiguration(
            baseURL: options.apiURL, credentials: .apiToken("unset"), timeoutSeconds: timeout, maxBodyBytes: maxBody,
            proxy: try ProxySettings.from(environment: environment, apiURL: url), rateLimit: rateLimit)

        let credentials: [CredentialConfiguration]
        if let file = options.configFile {
            let oneTokenFlags = [
                ("--cloudflare.account-id", !options.accountIDs.isEmpty), ("--cloudflare.api-token-file", options.apiTokenFile != nil),
                ("--cloudflare.discover-accounts", options.discoverAccounts),
                ("--cloudflare.exclude-account-id", !options.excludedAccountIDs.isEmpty),
                ("--cloudflare.account-name-regex", options.accountNameRegex != nil),
            ].filter(\.1).map(\.0)
            guard oneTokenFlags.isEmpty else {
                throw ConfigurationError(
                    "\(oneTokenFlags.joined(separator: ", ")) and --config.file are both given",
                    fix:
                        "those flags are the one-token shortcut: move the credential and its accounts into the file's credentials, or drop --config.file"
                )
            }
            let defaults = ExporterConfigFile.Defaults(
                api: template, shard: shard, discoveryInterval: .saturating(seconds: discoveryInterval), maxStaleSeconds: maxStaleSeconds)
            let contents = try ExporterConfigFile.load(path: file, defaults: defaults, environment: environment)
            configFileDefaults = defaults
            credentials = contents.credentials
            accountLabels = contents.accountLabels
            configFile = file
        } else {
            credentials = [
                try Self.flagCredential(
                    options, environment: environment, template: template, discoveryInterval: discoveryInterval,
                    maxStaleSeconds: maxStaleSeconds, shard: shard)
            ]
        }
        // Each account once, for the first credential that gives it.
        var given: [AccountID] = []
        var seen = Set<AccountID>()
        for credential in credentials {
            for account in credential.accounts where seen.insert(account).inserted { given.append(account) }
        }
        givenAccounts = given
        accounts = given.filter(shard.owns)
        budgetFile = options.budgetFile
        let budgetAccounts = Self.budgetAccounts(given: given, credentials: credentials, fromFile: options.configFile != nil)
        budgets = if let path = options.budgetFile { try BudgetFile.load(path: path, watchedAccounts: budgetAccounts) } else { [] }
        mode = .cloudflare(credentials, usagePath: options.usagePath)
    }

    /// The one credential the flags give (`default`): the token from `--cloudflare.api-token-file`
    /// or the environment, the ids from `--cloudflare.account-id` or `CLOUDFLARE_ACCOUNT_ID`,
    /// and discovery when asked for.
    private static func flagCredential(
        _ options: CommandLineOptions, environment: [String: String], template: CloudflareAPIConfiguration,
        discoveryInterval: Double, maxStaleSeconds: Double, shard: Shard
    ) throws(ConfigurationError) -> CredentialConfiguration {
        let watched = try accounts(options.accountIDs, environment: environment, required: !options.discoverAccounts)
        var discovery: DiscoverySettings?
        if options.discoverAccounts {
            let excluded = try accountIDs(
                options.excludedAccountIDs.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty })
            let settings = DiscoverySettings(
                interval: .saturating(seconds: discoveryInterval), onlyAccounts: Set(watched), excludedAccounts: Set(excluded),
                namePattern: options.accountNameRegex, maxStaleSeconds: maxStaleSeconds, shard: shard)
            do {
                _ = try settings.compiledNamePattern()
            } catch {
                throw ConfigurationError(
                    "--cloudflare.account-name-regex is not a valid regular expression",
                    fix: "use an ICU/Perl-style pattern matched against the whole name, e.g. 'prod-.*'")
            }
            discovery = settings
        } else if !options.excludedAccountIDs.isEmpty || options.accountNameRegex != nil {
            throw ConfigurationError(
                "--cloudflare.exclude-account-id and --cloudflare.account-name-regex filter discovered accounts",
                fix: "add --cloudflare.discover-accounts, or list only the accounts to watch with --cloudflare.account-id")
        }
        guard let rateShare = shard.share(of: template.rateLimit) else {
            throw ConfigurationError(
                "--cloudflare.rate-limit \(template.rateLimit) cannot be split among \(shard.total) shards: each would get less than one call per window",
                fix: "raise --cloudflare.rate-limit (it is the token's budget for all replicas together) or lower --total-shards")
        }
        var api = template
        api.credentials = try CredentialsResolver.resolve(tokenFile: options.apiTokenFile, environment: environment)
        api.tokenFile = options.apiTokenFile
        api.rateLimit = rateShare
        return CredentialConfiguration(api: api, accounts: watched, discovery: discovery)
    }

    private static let logLevels: [String: Logger.Level] = [
        "debug": .debug, "info": .info, "warn": .warning, "warning": .warning, "error": .error,
    ]

    /// Account ids from the repeatable flag, or else from `CLOUDFLARE_ACCOUNT_ID` (comma separated);
    /// at least one unless discovery finds them.
    private static func accounts(
        _ flags: [String], environment: [String: String], required: Bool
    ) throws(ConfigurationError) -> [AccountID] {
        let fromFlags = flags.flatMap { $0.split(separator: ",") }
        let texts = fromFlags.isEmpty ? (environment["CLOUDFLARE_ACCOUNT_ID"] ?? "").split(separator: ",") : fromFlags
        let trimmed = texts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !trimmed.isEmpty || !required else {
            throw ConfigurationError(
                "no account to watch",
                fix:
                    "pass --cloudflare.account-id (repeatable) or set CLOUDFLARE_ACCOUNT_ID (comma separated), add --cloudflare.discover-accounts, or run with --demo"
            )
        }
        return try accountIDs(trimmed)
    }

    /// Validated ids, each once, in order; a malformed one is never echoed.
    private static func accountIDs(_ trimmed: [String]) throws(ConfigurationError) -> [AccountID] {
        var accounts: [AccountID] = []
        for text in trimmed {
            guard let account = AccountID(text) else {
                throw ConfigurationError(
                    "an account id is not a Cloudflare account id: \(AccountID.problem(with: text))",
                    fix: "use the 32-character lowercase hex id shown in the dashboard URL (dash.cloudflare.com/<account id>); "
                        + "the value is not shown because a pasted API token or key could be in its place")
            }
            if !accounts.contains(account) { accounts.append(account) }
        }
        return accounts
    }
}
