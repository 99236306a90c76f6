import Foundation
import Logging
import ServiceLifecycle

/// Polls every account on an interval and records each outcome in the store.
///
/// Each account runs its own loop, so a slow or failing account never delays another, and one
/// account's refreshes never overlap. Scrapes never wait for it: they read the store.
public struct UsageRefresher: Service {
    private let store: SnapshotStore
    private let source: any UsageSource
    private let interval: Duration
    private let maxStaleSeconds: Double
    private let logger: Logger

    /// - Parameter maxStaleSeconds: how long a failing account's last good usage stays served.
    public init(store: SnapshotStore, source: any UsageSource, interval: Duration, maxStaleSeconds: Double = .infinity, logger: Logger) {
        self.store = store
        self.source = source
        self.interval = interval
        self.maxStaleSeconds = maxStaleSeconds
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for account in store.accounts {
                    group.addTask { await refreshForever(account) }
                }
            }
        }
    }

    private func refreshForever(_ account: AccountID) async {
        while !Task.isCancelled {
            await refreshOnce(account)
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }

    /// One fetch of one account, recorded in the store.
    public func refreshOnce(_ account: AccountID) async {
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = await source.fetchUsage(for: account)
        if Task.isCancelled { return }
        let elapsed = started.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let maxStaleSeconds = maxStaleSeconds
        store.update(account) {
            $0.applying(outcome, finishedAt: Date().timeIntervalSince1970, durationSeconds: seconds, maxStaleSeconds: maxStaleSeconds)
        }
        switch outcome.result {
        case .success(let records):
            logger.debug("refreshed usage", metadata: [
                "account_id": "\(account)", "records": "\(records.count)", "duration_seconds": "\(seconds)",
            ])
        case .failure(let error):
            logger.error("refresh failed", metadata: [
                "account_id": "\(account)", "reason": "\(error.reason.rawValue)", "error": "\(error)",
            ])
        }
    }
}
