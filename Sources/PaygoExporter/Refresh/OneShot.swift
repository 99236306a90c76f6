import Foundation
import Logging

/// `once`: refresh every account one time, render the metrics, and report which accounts
/// failed. For cron jobs, CI and node_exporter's textfile collector.
public enum OneShot {
    public struct Result: Sendable {
        /// Text format 0.0.4, without `process_*` families (they would describe a process
        /// that is gone by the time anything reads the file).
        public var body: [UInt8]
        public var failedAccounts: [AccountID]
    }

    public static func run(configuration: ExporterConfiguration, logger: Logger) async -> Result {
        let store = SnapshotStore(accounts: configuration.accounts)
        let budgets = BudgetBook(configuration.budgets, path: nil, watchedAccounts: configuration.accounts, logger: logger)
        await UsageSourceParts(mode: configuration.mode, accounts: configuration.accounts, logger: logger).run { parts in
            let refresher = UsageRefresher(
                store: store, source: parts.source, interval: configuration.refreshInterval, credentials: configuration.refreshCredentials,
                maxStaleSeconds: configuration.maxStaleSeconds, maxSeriesPerAccount: configuration.maxSeriesPerAccount,
                byZone: configuration.usageByZone,
                credentialIndex: parts.credentialIndex, logger: logger)
            await refresher.refreshAllOnce()
        }
        let failed = store.entries().filter { $0.snapshot.health.up != true }.map(\.snapshot.account)
        return Result(
            body: Array(ExpositionCache(store: store, budgets: budgets).body(.prometheusText).bytes.readableBytesView),
            failedAccounts: failed)
    }

    /// Writes `bytes` to `path` atomically, so a reader (the textfile collector) never sees half
    /// a file.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ConfigurationError) {
        do {
            try AtomicFile.replace(path) { handle in try handle.write(contentsOf: bytes) }
        } catch {
            throw ConfigurationError("cannot write \(path)", fix: "check that its folder exists and is writable by this user")
        }
    }
}
