/// The flags as typed, before validation. The executable fills this in; `ExporterConfiguration`
/// checks it, so every rule is testable without starting a process. The defaults written here
/// are the flags' defaults: the executable's options read them from `defaults`.
public struct CommandLineOptions: Sendable {
    /// Every flag at its default.
    public static let defaults = CommandLineOptions()

    public var listenAddress = ":\(ExporterConfiguration.defaultPort)"
    public var telemetryPath = "/metrics"
    public var webConfigFile: String?
    public var maxRequests = WebServerSettings.defaultMaxRequests
    public var maxConnections = WebServerSettings.defaultMaxConnections
    public var disableOpenMetrics = false
    public var apiURL = CloudflareAPIConfiguration.defaultBaseURL
    public var usagePath = UsageEndpoint.defaultPath
    public var accountIDs: [String] = []
    public var apiTokenFile: String?
    public var refreshInterval = "10m"
    public var timeout = "60s"
    public var rateLimit = RequestRate.default.description
    public var maxBodySize = "64MiB"
    public var maxStale = "24h"
    public var maxSeriesPerAccount = AccountUsage.defaultMaxSeries
    public var usageByZone = false
    public var discoverAccounts = false
    public var discoveryInterval = "1h"
    public var excludedAccountIDs: [String] = []
    public var accountNameRegex: String?
    public var configFile: String?
    public var shard = 0
    public var totalShards = 1
    public var logLevel = "info"
    public var logFormat = "logfmt"
    public var demo = false
    public var budgetFile: String?

    public init() {}
}
