import ArgumentParser
import Foundation
import PaygoExporter

/// Refreshes every account once, prints the metrics (or writes them for node_exporter's
/// textfile collector) and exits non-zero if any account failed.
struct OnceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "once",
        abstract: "Refresh every account once, print the metrics and exit (1 if any account failed).",
        discussion: """
            For cron, CI and debugging. With --output the file is replaced atomically, so \
            node_exporter's textfile collector never reads half of it (name it *.prom). \
            process_* families are left out: they would describe a process that has exited.
            """)

    @OptionGroup var cloudflare: CloudflareOptions

    @Option(
        name: .customLong("output"),
        help: ArgumentHelp("Write to this file (atomically) instead of standard output; - is standard output.", valueName: "path"))
    var output: String?

    func run() async throws {
        let (configuration, logger) = try cloudflare.configuration()
        let result = await OneShot.run(configuration: configuration, logger: logger)
        if let output, output != "-" {
            try OneShot.writeAtomically(result.body, to: output)
        } else {
            FileHandle.standardOutput.write(Data(result.body))
        }
        if !result.failedAccounts.isEmpty {
            logger.error("some accounts failed", metadata: ["accounts": "\(result.failedAccounts.map(\.rawValue).joined(separator: ","))"])
            throw ExitCode.failure
        }
    }
}
