import ArgumentParser
import Foundation
import Logging
import PaygoExporter

/// Serves the metrics (the default); `once` and `backfill` are its subcommands.
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
              HTTPS_PROXY, NO_PROXY  an http:// proxy for API calls; TLS is always verified
              HTTP_PROXY             the proxy when --cloudflare.api-url is http://

            Signals: SIGHUP re-reads --config.file, --cloudflare.api-token-file and the \
            token files --config.file names (a changed token file is also picked up \
            before each call), --budget.config-file and --web.config.file (also re-read \
            when it or a certificate it names changes); a broken file keeps what is in \
            force. SIGTERM and SIGINT stop gracefully.
            """,
        version: BuildInfo.versionLine,
        subcommands: [OnceCommand.self, BackfillCommand.self])

    @OptionGroup var web: WebOptions
    @OptionGroup var cloudflare: CloudflareOptions

    func run() async throws {
        let (configuration, logger) = try cloudflare.configuration(web: web)
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
