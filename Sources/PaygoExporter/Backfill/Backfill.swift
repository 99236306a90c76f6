import Foundation
import Logging

/// `backfill`: fetch history for every account in windows the API accepts, and write it as
/// OpenMetrics for promtool to turn into TSDB blocks, or send it over remote write.
public enum Backfill {
    /// A problem that ends the run, explained for the operator.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Where the history goes.
    public enum Destination: Sendable {
        /// An OpenMetrics file, replaced atomically.
        case file(String)
        case remoteWrite(RemoteWriteConfiguration)

        /// Exactly one of `--output` and `--remote-write.url`, checked.
        public init(output: String?, remoteWrite: RemoteWriteOptions) throws(ConfigurationError) {
            let checked = try RemoteWriteConfiguration(options: remoteWrite)
            switch (output, checked) {
            case (let output?, nil):
                self = .file(output)
            case (nil, let configuration?):
                self = .remoteWrite(configuration)
            case (nil, nil):
                throw ConfigurationError(
                    "backfill needs --output or --remote-write.url",
                    fix: "give --remote-write.url to send to a running store, or --output FILE for promtool")
            case (_?, _?):
                throw ConfigurationError("--output and --remote-write.url are both given", fix: "backfill goes to one of them; keep one")
            }
        }
    }

    /// The windows one account's history is fetched in, in order: each at most 62 days (the
    /// API's limit), together covering `range` once. The one place windows are chosen, per
    /// account, so a choice that depends on the account (its billing period) goes here.
    static func windows(for account: AccountID, in range: UsageDateRange) -> [UsageDateRange] {
        range.windows()
    }

    /// Fetches `range` for every account (one call at a time so the token's rate limit holds)
    /// and writes it to `destination`. `progress` gets the lines of a run without a terminal;
    /// `terminal`, when set, gets a redrawn progress bar instead. Returns the records fetched.
    public static func run(
        configuration: ExporterConfiguration,
        range: UsageDateRange,
        step: Double,
        destination: Destination,
        logger: Logger,
        clock: any ExporterClock = SystemClock(),
        terminal: (@Sendable (String) -> Void)? = nil,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> Int {
        let parts = UsageSourceParts(mode: configuration.mode, accounts: configuration.accounts, logger: logger)
        let notAfter = min(Double(range.lastDay + 1) * 86_400, clock.unixTime)
        switch destination {
        case .file(let output):
            let (histories, recordTotal) = try await parts.run { parts in
                try await fetch(
                    configuration.accounts, range: range, from: parts.source, maxSeries: configuration.maxSeriesPerAccount,
                    progress: progress)
            }
            let writer = BackfillWriter(step: step, notAfter: notAfter)
            do {
                try AtomicFile.replace(output) { handle in
                    try writer.write(histories) { chunk in try handle.write(contentsOf: chunk) }
                }
            } catch {
                throw Failure(description: error.description)
            }
            progress("backfill: wrote \(output) from \(recordTotal) records")
            return recordTotal
        case .remoteWrite(let remoteWrite):
            let sender = RemoteWriteSender(configuration: remoteWrite, clock: clock, logger: logger)
            let backfill = RemoteWriteBackfill(
                sender: sender, sampling: BackfillSampling(step: step, notAfter: notAfter),
                maxSamplesPerSend: remoteWrite.maxSamplesPerSend,
                concurrency: remoteWrite.concurrency, maxSeries: configuration.maxSeriesPerAccount,
                progress: BackfillProgress(clock: clock, terminal: terminal, lines: progress))
            do {
                let records = try await parts.run { parts in
                    try await backfill.run(configuration.accounts, range: range, from: parts.source)
                }
                await sender.shutDown()
                return records
            } catch {
                await sender.shutDown()
                throw error
            }
        }
    }

    /// Every window of every account, one call at a time so the token's rate limit holds.
    private static func fetch(
        _ accounts: [AccountID], range: UsageDateRange, from source: any UsageSource, maxSeries: Int, progress: (String) -> Void
    ) async throws -> (histories: [(AccountID, DailyUsage)], records: Int) {
        var histories: [(AccountID, DailyUsage)] = []
        var recordTotal = 0
        for (accountIndex, account) in accounts.enumerated() {
            var records: [UsageRecord] = []
            let windows = windows(for: account, in: range)
            for (windowIndex, window) in windows.enumerated() {
                let fetched = try await fetchWindow(window, of: account, from: source)
                records += fetched
                progress(
                    "backfill: account \(accountIndex + 1)/\(accounts.count) \(account), "
                        + "window \(windowIndex + 1)/\(windows.count) \(window): \(fetched.count) records")
            }
            recordTotal += records.count
            histories.append((account, DailyUsage(records: records, maxSeries: maxSeries)))
        }
        return (histories, recordTotal)
    }

    /// One window's records, only of the days asked for, so windows can never count a day twice.
    static func fetchWindow(
        _ window: UsageDateRange, of account: AccountID, from source: any UsageSource
    ) async throws(Failure)
        -> [UsageRecord]
    {
        let outcome = await source.fetchUsage(for: account, range: window)
        switch outcome.result {
        case .success(let answer):
            return answer.filter { record in
                record.chargePeriodStart >= Double(window.firstDay) * 86_400
                    && record.chargePeriodStart < Double(window.lastDay + 1) * 86_400
            }
        case .failure(let error):
            throw Failure(description: "backfill stopped: \(error)")
        }
    }
}
