import ArgumentParser
import Foundation
import Logging
import PaygoExporter

/// Flags in Prometheus style; everything they mean is checked by `ExporterConfiguration`.
struct ExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cloudflare-paygo-exporter",
        abstract: "Prometheus exporter for Cloudflare's PayGo billable usage.",
        discussion: """
            Polls each account's usage in the background and serves the latest good \
            snapshot on --web.telemetry-path. Durations are Prometheus style: 90s, 10m, 1h30m.

            Credentials come from the environment or a file, never from a flag value.

            Environment:
              CLOUDFLARE_API_TOKEN   API token with "Billing Read" (preferred)
              CLOUDFLARE_API_EMAIL   with CLOUDFLARE_API_KEY: the legacy global key
              CLOUDFLARE_ACCOUNT_ID  account ids, comma separated
              HTTPS_PROXY, NO_PROXY  proxy for API calls; TLS is always verified

            Signals: SIGHUP re-reads --cloudflare.api-token-file (a changed file is \
            also picked up before each call) and --budget.config-file; SIGTERM and \
            SIGINT stop gracefully.
            """,
        version: BuildInfo.versionLine)

    @Option(name: .customLong("web.listen-address"), help: "Address to listen on: host:port, :port for every interface, [::1]:port for IPv6.")
    var listenAddress = ":\(ExporterConfiguration.defaultPort)"

    @Option(name: .customLong("web.telemetry-path"), help: "Path under which to serve metrics.")
    var telemetryPath = "/metrics"

    @Option(name: .customLong("web.config.file"), help: ArgumentHelp("Prometheus exporter-toolkit web configuration (YAML): TLS, basic auth users, extra headers.", valueName: "path"))
    var webConfigFile: String?

    @Option(name: .customLong("web.max-requests"), help: "Concurrent scrapes served at once; more get 503. 0 means no limit.")
    var maxRequests = 40

    @Flag(name: .customLong("web.disable-openmetrics"), help: "Always answer in the Prometheus text format 0.0.4, even to scrapers that ask for OpenMetrics.")
    var disableOpenMetrics = false

    @Option(name: .customLong("cloudflare.account-id"), help: ArgumentHelp("Account id to watch (32 hex characters); repeat the flag or separate ids with commas. Default: $CLOUDFLARE_ACCOUNT_ID.", valueName: "id"))
    var accountIDs: [String] = []

    @Option(name: .customLong("cloudflare.api-token-file"), help: ArgumentHelp("File holding the API token; takes precedence over $CLOUDFLARE_API_TOKEN.", valueName: "path"))
    var apiTokenFile: String?

    @Option(name: .customLong("cloudflare.api-url"), help: "Base URL of Cloudflare's v4 API.")
    var apiURL = "https://api.cloudflare.com/client/v4"

    @Option(name: .customLong("cloudflare.usage-path"), help: "Usage path under the API URL; {account_id} is replaced. On 404 the other known paths are tried.")
    var usagePath = "/accounts/{account_id}/billing/usage/paygo"

    @Option(name: .customLong("cloudflare.refresh-interval"), help: "How often each account is refreshed. Scrapes never wait for a refresh.")
    var refreshInterval = "10m"

    @Option(name: .customLong("cloudflare.timeout"), help: "Deadline for one whole API call (connect, headers and body).")
    var timeout = "60s"

    @Option(name: .customLong("cloudflare.max-body-size"), help: "Answers larger than this are refused, not buffered (e.g. 64MiB, 512KiB).")
    var maxBodySize = "64MiB"

    @Option(name: .customLong("cloudflare.max-stale"), help: "A failing account's last good usage is served with up=0 for this long, then dropped.")
    var maxStale = "24h"

    @Option(name: .customLong("log.level"), help: "Only log messages of this severity or above: debug, info, warn, error.")
    var logLevel = "info"

    @Option(name: .customLong("log.format"), help: "Log line format: logfmt or json.")
    var logFormat = "logfmt"

    @Option(name: .customLong("budget.config-file"), help: ArgumentHelp("YAML file of budgets per account and currency (amount, optional warn_ratio); re-read on SIGHUP.", valueName: "path"))
    var budgetFile: String?

    @Flag(name: .customLong("demo"), help: "Serve built-in sample accounts (USD and EUR); needs no token and no network.")
    var demo = false

    func run() async throws {
        var options = CommandLineOptions()
        options.listenAddress = listenAddress
        options.telemetryPath = telemetryPath
        options.webConfigFile = webConfigFile
        options.maxRequests = maxRequests
        options.disableOpenMetrics = disableOpenMetrics
        options.accountIDs = accountIDs
        options.apiTokenFile = apiTokenFile
        options.apiURL = apiURL
        options.usagePath = usagePath
        options.refreshInterval = refreshInterval
        options.timeout = timeout
        options.maxBodySize = maxBodySize
        options.maxStale = maxStale
        options.logLevel = logLevel
        options.logFormat = logFormat
        options.demo = demo
        options.budgetFile = budgetFile
        let configuration = try ExporterConfiguration(options: options, environment: ProcessInfo.processInfo.environment)

        let logLevel = configuration.logLevel
        let logFormat = configuration.logFormat
        LoggingSystem.bootstrap { label in ExporterLogHandler(label: label, level: logLevel, format: logFormat) }
        let logger = Logger(label: "cloudflare-paygo-exporter")
        do {
            try await Exporter(configuration: configuration, logger: logger).run()
        } catch let error as ListenError {
            throw error
        } catch {
            logger.critical("exporter stopped with an error", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}

/// Usage and configuration errors exit with 2 and one line naming the problem and the fix,
/// before anything listens; --help and --version exit 0 as usual.
@main
enum Main {
    static func main() async {
        do {
            var command = try ExporterCommand.parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("cloudflare-paygo-exporter: \(error)\n".utf8))
            exit(2)
        } catch let error as ListenError {
            FileHandle.standardError.write(Data("cloudflare-paygo-exporter: \(error)\n".utf8))
            exit(2)
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch {
            if ExporterCommand.exitCode(for: error) == .success {
                ExporterCommand.exit(withError: error)
            }
            let message = ExporterCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            FileHandle.standardError.write(Data("cloudflare-paygo-exporter: \(message); see --help\n".utf8))
            exit(2)
        }
    }
}
