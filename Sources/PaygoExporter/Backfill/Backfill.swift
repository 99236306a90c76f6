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
    /// API's limit), together covering `range` once. Today's usage path answers only ranges
    /// that include a billing-cycle anchor day, so where the info endpoint gives the account's
    /// cycle every window starts on a period's first day (the first may begin before `range`:
    /// `fetchWindow` keeps only the days asked for). Without it (older paths, a failed info
    /// call) the windows are plain 62-day steps, as those paths accept any range.
    static func windows(
        for account: AccountID, in range: UsageDateRange, from source: any UsageSource
    ) async -> [UsageDateRange] {
        guard case .info(let info, _) = await source.fetchAccountInfo(for: account),
            let cycle = info.billingCycle(at: Double(range.lastDay) * 86_400 + 43_200)
        else { return range.windows() }
        return range.windows(startingOnPeriodsOf: cycle)
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
            let windows = await windows(for: account, in: range, from: source)
            for (windowIndex, window) in windows.enumerated() {
                let fetched = try await fetchWindow(window, of: account, keeping: range, from: source)
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

    /// One window's records, only of its days that lie in `range`, so windows can never count
    /// a day twice nor a window that starts on a period's first day add days before `range`.
    static func fetchWindow(
        _ window: UsageDateRange, of account: AccountID, keeping range: UsageDateRange, from source: any UsageSource
    ) async throws(Failure)
        -> [UsageRecord]
    {
        let outcome = await source.fetchUsage(for: account, range: window)
        let firstDay = max(window.firstDay, range.firstDay)
        let lastDay = min(window.lastDay, range.lastDay)
        switch outcome.result {
        case .success(let answer):
            return answer.filter { record in
                record.chargePeriodStart >= Double(firstDay) * 86_400
                    && record.chargePeriodStart < Double(lastDay + 1) * 86_400
            }
        case .failure(let error):
            throw Failure(description: "backfill stopped: \(error)")
        }
    }
}
