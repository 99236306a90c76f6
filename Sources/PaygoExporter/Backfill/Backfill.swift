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
        let windows = range.windows()
        let parts = UsageSourceParts(mode: configuration.mode, accounts: configuration.accounts, logger: logger)
        let (histories, recordTotal) = try await parts.run { parts in
            try await fetch(
                configuration.accounts, windows: windows, from: parts.source, maxSeries: configuration.maxSeriesPerAccount,
                progress: progress)
        }

        let writer = BackfillWriter(step: step, notAfter: min(Double(range.lastDay + 1) * 86_400, Date().timeIntervalSince1970))
        do {
            try AtomicFile.replace(output) { handle in
                try writer.write(histories) { chunk in try handle.write(contentsOf: chunk) }
            }
        } catch {
            throw Failure(description: error.description)
        }
        progress("backfill: wrote \(output) from \(recordTotal) records")
        return recordTotal
    }

    /// Every window of every account, one call at a time so the token's rate limit holds.
    private static func fetch(
        _ accounts: [AccountID], windows: [UsageDateRange], from source: any UsageSource, maxSeries: Int, progress: (String) -> Void
    ) async throws -> (histories: [(AccountID, DailyUsage)], records: Int) {
        var histories: [(AccountID, DailyUsage)] = []
        var recordTotal = 0
        for (accountIndex, account) in accounts.enumerated() {
            var records: [UsageRecord] = []
            for (windowIndex, window) in windows.enumerated() {
                let outcome = await source.fetchUsage(for: account, range: window)
                switch outcome.result {
                case .success(let answer):
                    // Only the days asked for, so windows can never count a day twice.
                    let fetched = answer.filter { record in
                        record.chargePeriodStart >= Double(window.firstDay) * 86_400
                            && record.chargePeriodStart < Double(window.lastDay + 1) * 86_400
                    }
                    records += fetched
                    progress(
                        "backfill: account \(accountIndex + 1)/\(accounts.count) \(account), "
                            + "window \(windowIndex + 1)/\(windows.count) \(window): \(fetched.count) records")
                case .failure(let error):
                    throw Failure(description: "backfill stopped: \(error)")
                }
            }
            recordTotal += records.count
            histories.append((account, DailyUsage(records: records, maxSeries: maxSeries)))
        }
        return (histories, recordTotal)
    }
}
