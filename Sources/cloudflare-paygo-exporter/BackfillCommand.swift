import ArgumentParser
import Foundation
import PaygoExporter

/// Fetches past days and writes them as OpenMetrics for `promtool tsdb create-blocks-from
/// openmetrics`.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Write past usage as OpenMetrics for promtool tsdb create-blocks-from openmetrics.",
        discussion: """
            Fetches --from..--to (UTC days, inclusive) for every account in windows of at most \
            62 days, one call at a time, and writes the live exporter's usage families with \
            timestamps: each day's value every --step across that day, so graphs draw one \
            line into the live data. See README.md for the whole recipe.
            """)

    @OptionGroup var cloudflare: CloudflareOptions

    @Option(name: .customLong("from"), help: ArgumentHelp("First day, YYYY-MM-DD (UTC).", valueName: "date"))
    var from: String

    @Option(name: .customLong("to"), help: ArgumentHelp("Last day, YYYY-MM-DD (UTC); default and latest: yesterday.", valueName: "date"))
    var to: String?

    @Option(name: .customLong("output"), help: ArgumentHelp("OpenMetrics file to write.", valueName: "path"))
    var output: String

    @Option(
        name: .customLong("step"),
        help: "Time between samples of one day's value; at most 5m (Prometheus's lookback) so graphs draw a continuous line.")
    var step = "5m"

    func run() async throws {
        let request = try BackfillRequest(from: from, to: to, step: step, now: Date().timeIntervalSince1970)
        let (configuration, logger) = try cloudflare.configuration()
        do {
            _ = try await Backfill.run(
                configuration: configuration, range: request.range, step: request.stepSeconds, output: output, logger: logger,
                progress: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) })
        } catch let error as Backfill.Failure {
            FileHandle.standardError.write(Data("cloudflare-paygo-exporter: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
