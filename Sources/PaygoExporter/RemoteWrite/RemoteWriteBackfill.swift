/// The remote-write side of `backfill`: each (account, window) is fetched, turned into the
/// same series the file would hold, and sent before the next is fetched, so memory holds one
/// window and a stopped run knows which days are stored.
struct RemoteWriteBackfill: Sendable {
    let sender: RemoteWriteSender
    let sampling: BackfillSampling
    let maxSamplesPerSend: Int
    /// Requests in flight at once; each series is sent by one lane only, so its samples reach
    /// the receiver in time order even across requests.
    let concurrency: Int
    let maxSeries: Int
    let progress: BackfillProgress

    private struct Work {
        let account: AccountID
        let accountIndex: Int
        let window: UsageDateRange
        let windowIndex: Int
        let windowCount: Int
    }

    /// Sends `range` of every account; returns the records fetched. Windows go earliest first
    /// across accounts, so when a run stops every day before the failing window's first is
    /// stored for every account, and the error names that day for `--from`.
    func run(_ accounts: [AccountID], range: UsageDateRange, from source: any UsageSource) async throws(Backfill.Failure) -> Int {
        var work: [Work] = []
        for (accountIndex, account) in accounts.enumerated() {
            let windows = await Backfill.windows(for: account, in: range, from: source)
            for (windowIndex, window) in windows.enumerated() {
                work.append(
                    Work(account: account, accountIndex: accountIndex, window: window, windowIndex: windowIndex, windowCount: windows.count)
                )
            }
        }
        work.sort { ($0.window.firstDay, $0.accountIndex) < ($1.window.firstDay, $1.accountIndex) }
        progress.start(accounts: accounts.count, windows: work.count)
        var records = 0
        for item in work {
            let what =
                "account \(item.accountIndex + 1)/\(accounts.count) \(item.account), window \(item.windowIndex + 1)/\(item.windowCount) \(item.window)"
            func stopped(_ cause: String) -> Backfill.Failure {
                // A first window that starts on a period's first day may begin before `range`.
                let resume = item.window.firstDay > range.firstDay ? item.window.fromText : range.fromText
                let stored = resume == range.fromText ? "nothing is known stored yet" : "every day before \(resume) is stored"
                return Backfill.Failure(description: "\(cause) (at \(what)); \(stored): resume with --from \(resume)")
            }
            if Task.isCancelled { throw stopped("backfill interrupted") }
            let fetched: [UsageRecord]
            do {
                fetched = try await Backfill.fetchWindow(item.window, of: item.account, keeping: range, from: source)
            } catch {
                throw stopped(error.description)
            }
            records += fetched.count
            let series = BackfillSeries.all([(item.account, DailyUsage(records: fetched, maxSeries: maxSeries))]).flatMap { $0 }
            progress.windowStarted(samples: series.reduce(0) { $0 + $1.days.reduce(0) { $0 + sampling.estimatedCount(of: $1) } })
            do {
                try await send(series)
            } catch {
                throw stopped("backfill stopped: \(error)")
            }
            progress.windowFinished(what, records: fetched.count)
        }
        let (samples, seconds) = progress.totals
        let rate = seconds > 0 ? " (\(BackfillProgress.grouped(Int((Double(samples) / seconds).rounded()))) samples/s)" : ""
        progress.finish(
            "backfill: sent \(BackfillProgress.grouped(samples)) samples from \(records) records to \(sender.configuration.receiver) in \(BackfillProgress.formatSeconds(seconds))\(rate)"
        )
        return records
    }

    /// One window's series over `concurrency` lanes, each sending its share in order.
    private func send(_ series: [BackfillSeries]) async throws(RemoteWriteError) {
        let batcher = RemoteWriteBatcher(sampling: sampling, maxSamples: maxSamplesPerSend)
        let lanes = min(concurrency, series.count)
        guard lanes > 0 else { return }
        let outcome: RemoteWriteError? = await withTaskGroup(of: RemoteWriteError?.self) { group in
            for lane in 0..<lanes {
                let share = stride(from: lane, to: series.count, by: lanes).map { series[$0] }
                group.addTask {
                    do throws(RemoteWriteError) {
                        try await batcher.forEachBatch(of: share) { (batch) async throws(RemoteWriteError) in
                            try await sender.send(batch.body)
                            progress.sent(samples: batch.samples)
                        }
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            // The first failure stops the other lanes: the run ends there anyway.
            for await result in group {
                if let result {
                    group.cancelAll()
                    return result
                }
            }
            return nil
        }
        if let outcome { throw outcome }
    }
}
