import ArgumentParser
import Dispatch
import Foundation
import PaygoExporter

/// Fetches past days and writes them as OpenMetrics for `promtool tsdb create-blocks-from
/// openmetrics`, or sends them over remote write.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Send past usage over remote write, or write it as OpenMetrics for promtool tsdb create-blocks-from openmetrics.",
        discussion: """
            Fetches --from..--to (UTC days, inclusive) for every account in windows of at most \
            62 days, one call at a time, and sends (--remote-write.url) or writes (--output) \
            the live exporter's usage families with timestamps: each day's value every --step \
            across that day, so graphs draw one line into the live data. See README.md for \
            the recipes.
            """)

    @OptionGroup var cloudflare: CloudflareOptions

    @Option(name: .customLong("from"), help: ArgumentHelp("First day, YYYY-MM-DD (UTC).", valueName: "date"))
    var from: String

    @Option(name: .customLong("to"), help: ArgumentHelp("Last day, YYYY-MM-DD (UTC); default and latest: yesterday.", valueName: "date"))
    var to: String?

    @Option(name: .customLong("output"), help: ArgumentHelp("OpenMetrics file to write (or give --remote-write.url).", valueName: "path"))
    var output: String?

    @Option(
        name: .customLong("step"),
        help: "Time between samples of one day's value; at most 5m (Prometheus's lookback) so graphs draw a continuous line.")
    var step = "5m"

    @OptionGroup var remoteWrite: RemoteWriteFlags

    func run() async throws {
        let request = try BackfillRequest(from: from, to: to, step: step, now: Date().timeIntervalSince1970)
        let destination = try Backfill.Destination(output: output, remoteWrite: remoteWrite.options)
        let (configuration, logger) = try cloudflare.configuration()
        // A bar redrawn in place only where someone watches; a log gets one line per window.
        var terminal: (@Sendable (String) -> Void)?
        if isatty(STDERR_FILENO) == 1 {
            terminal = { text in FileHandle.standardError.write(Data(text.utf8)) }
        }
        let bar = terminal
        let work = Task {
            try await Backfill.run(
                configuration: configuration, range: request.range, step: request.stepSeconds, destination: destination, logger: logger,
                terminal: bar, progress: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) })
        }
        // Ctrl-C or a stop ends the run through cancellation, so it says where to resume.
        let signals = [SIGINT, SIGTERM].map { (number: Int32) -> any DispatchSourceSignal in
            _ = signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { work.cancel() }
            source.resume()
            return source
        }
        defer {
            for source in signals { source.cancel() }
        }
        do {
            _ = try await work.value
        } catch let error as Backfill.Failure {
            FileHandle.standardError.write(Data("cloudflare-paygo-exporter: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
