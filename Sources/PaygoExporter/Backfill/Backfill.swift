import Foundation
import Logging

/// `backfill`: fetch history for every account in windows the API accepts and write it as
/// OpenMetrics for promtool to turn into TSDB blocks.
public enum Backfill {
    /// A problem that ends the run, explained for the operator.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Fetches `range` for every account (windows of at most 62 days, one call at a time so the
    /// token's rate limit holds) and writes `output` atomically. `progress` gets one line per call.
    public static func run(
        configuration: ExporterConfiguration,
        range: UsageDateRange,
        step: Double,
        output: String,
        logger: Logger,
        progress: (String) -> Void
    ) async throws -> Int {
        let parts = UsageSourceFactory.make(for: configuration.mode, logger: logger)
        defer { if let client = parts.httpClient { Task { try? await client.shutdown() } } }
        let windows = range.windows()
        var histories: [(AccountID, DailyUsage)] = []
        var recordTotal = 0
        for (accountIndex, account) in configuration.accounts.enumerated() {
            var records: [UsageRecord] = []
            for (windowIndex, window) in windows.enumerated() {
                let outcome = await parts.source.fetchUsage(for: account, range: window)
                switch outcome.result {
                case .success(let answer):
                    // Only the days asked for, so windows can never count a day twice.
                    let fetched = answer.filter { record in
                        record.chargePeriodStart >= Double(window.firstDay) * 86_400 && record.chargePeriodStart < Double(window.lastDay + 1) * 86_400
                    }
                    records += fetched
                    progress("backfill: account \(accountIndex + 1)/\(configuration.accounts.count) \(account), "
                        + "window \(windowIndex + 1)/\(windows.count) \(window): \(fetched.count) records")
                case .failure(let error):
                    throw Failure(description: "backfill stopped: \(error)")
                }
            }
            recordTotal += records.count
            histories.append((account, DailyUsage(records: records)))
        }
        try? await parts.httpClient?.shutdown()

        let writer = BackfillWriter(step: step, notAfter: min(Double(range.lastDay + 1) * 86_400, Date().timeIntervalSince1970))
        let url = URL(fileURLWithPath: output)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil), let handle = FileHandle(forWritingAtPath: temporary.path) else {
            throw Failure(description: "cannot write \(output); check that its folder exists and is writable by this user")
        }
        do {
            try writer.write(histories) { chunk in try handle.write(contentsOf: chunk) }
            try handle.close()
            try AtomicFile.rename(temporary.path, over: url.path)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw Failure(description: "cannot write \(output): \(error.localizedDescription)")
        }
        progress("backfill: wrote \(output) from \(recordTotal) records")
        return recordTotal
    }
}
