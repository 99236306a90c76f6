import ArgumentParser
import Foundation
import Logging
import PaygoExporter

/// The flags every command shares: which accounts, how to reach Cloudflare, logging, budgets
/// and demo mode.
struct CloudflareOptions: ParsableArguments {
    @Option(
        name: .customLong("cloudflare.account-id"),
        help: ArgumentHelp(
            "Account id to watch (32 hex characters); repeat the flag or separate ids with commas. Default: $CLOUDFLARE_ACCOUNT_ID.",
            valueName: "id"))
    var accountIDs: [String] = []

    @Flag(
        name: .customLong("cloudflare.discover-accounts"),
        help:
            "Watch every account the token can list (GET /accounts), listed again every --cloudflare.discovery-interval; --cloudflare.account-id then narrows it to those ids."
    )
    var discoverAccounts = CommandLineOptions.defaults.discoverAccounts

    @Option(
        name: .customLong("cloudflare.discovery-interval"),
        help: "How often discovery lists the token's accounts again; an account no longer listed is dropped after --cloudflare.max-stale.")
    var discoveryInterval = CommandLineOptions.defaults.discoveryInterval

    @Option(
        name: .customLong("cloudflare.exclude-account-id"),
        help: ArgumentHelp("Account id discovery leaves out; repeat the flag or separate ids with commas.", valueName: "id"))
    var excludedAccountIDs: [String] = []

    @Option(
        name: .customLong("cloudflare.account-name-regex"),
        help: ArgumentHelp("Discovery keeps only accounts whose whole name matches this regular expression.", valueName: "regex"))
    var accountNameRegex: String?

    @Option(
        name: .customLong("config.file"),
        help: ArgumentHelp(
            "YAML file of credentials (each its token, rate limit, accounts and discovery) and static account labels; re-read on SIGHUP. Replaces the credential and account flags.",
            valueName: "path"))
    var configFile: String?

    @Option(
        name: .customLong("shard"),
        help: ArgumentHelp(
            "This replica's shard, from 0 to --total-shards minus 1: it watches the accounts whose id hashes to it, given or discovered.",
            valueName: "n"))
    var shard = CommandLineOptions.defaults.shard

    @Option(
        name: .customLong("total-shards"),
        help: ArgumentHelp(
            "Replicas that split the accounts; each makes 1/n of --cloudflare.rate-limit's calls, as they share the token.",
            valueName: "n"))
    var totalShards = CommandLineOptions.defaults.totalShards

    @Option(
        name: .customLong("cloudflare.api-token-file"),
        help: ArgumentHelp("File holding the API token; takes precedence over $CLOUDFLARE_API_TOKEN.", valueName: "path"))
    var apiTokenFile: String?

    @Option(name: .customLong("cloudflare.api-url"), help: "Base URL of Cloudflare's v4 API.")
    var apiURL = CommandLineOptions.defaults.apiURL

    @Option(
        name: .customLong("cloudflare.usage-path"),
        help:
            "Usage path under the API URL; {account_id} is replaced. On 404 the other known paths are tried, and the one that answered is kept per account."
    )
    var usagePath = CommandLineOptions.defaults.usagePath

    @Option(
        name: .customLong("cloudflare.refresh-interval"), help: "How often each account is refreshed. Scrapes never wait for a refresh.")
    var refreshInterval = CommandLineOptions.defaults.refreshInterval

    @Option(
        name: .customLong("cloudflare.rate-limit"),
        help: ArgumentHelp(
            "Most calls to make on the token per duration, spread evenly; the refresh interval stretches when the accounts need more. Cloudflare allows 1200/5m per token, shared with everything else using it.",
            valueName: "n/duration"))
    var rateLimit = CommandLineOptions.defaults.rateLimit

    @Option(name: .customLong("cloudflare.timeout"), help: "Deadline for one whole API call (connect, headers and body).")
    var timeout = CommandLineOptions.defaults.timeout

    @Option(name: .customLong("cloudflare.max-body-size"), help: "Answers larger than this are refused, not buffered (e.g. 64MiB, 512KiB).")
    var maxBodySize = CommandLineOptions.defaults.maxBodySize

    @Option(
        name: .customLong("cloudflare.max-stale"),
        help: "A failing account's last good usage is served with up=0 for this long, then dropped.")
    var maxStale = CommandLineOptions.defaults.maxStale

    @Option(
        name: .customLong("cloudflare.max-series-per-account"),
        help:
            "Most usage series (service, unit, currency) kept from one account's answer; the rest are dropped and counted in cloudflare_paygo_series_dropped_total."
    )
    var maxSeriesPerAccount = CommandLineOptions.defaults.maxSeriesPerAccount

    @Flag(
        name: .customLong("usage.by-zone"),
        help:
            "Also serve each service's newest cost and consumed quantity per zone (cloudflare_paygo_*_by_zone): one series per service, unit and zone, capped by --cloudflare.max-series-per-account."
    )
    var usageByZone = CommandLineOptions.defaults.usageByZone

    @Option(name: .customLong("log.level"), help: "Only log messages of this severity or above: debug, info, warn, error.")
    var logLevel = CommandLineOptions.defaults.logLevel

    @Option(name: .customLong("log.format"), help: "Log line format: logfmt or json.")
    var logFormat = CommandLineOptions.defaults.logFormat

    @Option(
        name: .customLong("budget.config-file"),
        help: ArgumentHelp(
            "YAML file of budgets per account and currency (amount, optional warn_ratio); re-read on SIGHUP.", valueName: "path"))
    var budgetFile: String?

    @Flag(
        name: .customLong("demo"),
        help: "Serve five built-in sample accounts (USD and EUR, both API generations, one not covered); needs no token and no network.")
    var demo = false

    func apply(to options: inout CommandLineOptions) {
        options.accountIDs = accountIDs
        options.apiTokenFile = apiTokenFile
        options.apiURL = apiURL
        options.usagePath = usagePath
        options.refreshInterval = refreshInterval
        options.timeout = timeout
        options.rateLimit = rateLimit
        options.maxBodySize = maxBodySize
        options.maxStale = maxStale
        options.maxSeriesPerAccount = maxSeriesPerAccount
        options.usageByZone = usageByZone
        options.discoverAccounts = discoverAccounts
        options.discoveryInterval = discoveryInterval
        options.excludedAccountIDs = excludedAccountIDs
        options.accountNameRegex = accountNameRegex
        options.configFile = configFile
        options.shard = shard
        options.totalShards = totalShards
        options.logLevel = logLevel
        options.logFormat = logFormat
        options.demo = demo
        options.budgetFile = budgetFile
    }

    /// The validated configuration, with logging set up as the flags ask.
    func configuration(web: WebOptions? = nil) throws(ConfigurationError) -> (ExporterConfiguration, Logger) {
        var options = CommandLineOptions()
        apply(to: &options)
        web?.apply(to: &options)
        let configuration = try ExporterConfiguration(options: options, environment: ProcessInfo.processInfo.environment)
        let logLevel = configuration.logLevel
        let logFormat = configuration.logFormat
        LoggingSystem.bootstrap { label in ExporterLogHandler(label: label, level: logLevel, format: logFormat) }
        return (configuration, Logger(label: "cloudflare-paygo-exporter"))
    }
}
