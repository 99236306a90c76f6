import Logging
import NIOCore
import Synchronization
import Testing

@testable import PaygoExporter

/// The refresher's schedule and the scrape body cache's expiry, on a test clock: every instant
/// is checked exactly, however loaded the machine running the suite is.
@Suite struct ClockDrivenTests {
    /// Records when each account was fetched, on the refresher's clock.
    final class RecordingSource: UsageSource {
        let clock: TestClock
        private let calls = Mutex<[(AccountID, ContinuousClock.Instant)]>([])

        init(clock: TestClock) { self.clock = clock }

        func fetchUsage(for account: AccountID, range: UsageDateRange?) async -> UsageFetchOutcome {
            calls.withLock { $0.append((account, clock.now)) }
            return UsageFetchOutcome(result: .success([]), responseCodes: [200])
        }

        func times(of account: AccountID) -> [ContinuousClock.Instant] {
            calls.withLock { $0.filter { $0.0 == account }.map(\.1) }
        }
    }

    /// Two accounts on a refresher every 60 s, each at the start of its slot.
    static func twoAccountsEveryMinute(
        _ clock: TestClock
    ) -> (accounts: [AccountID], store: SnapshotStore, source: RecordingSource, refresher: UsageRefresher) {
        let accounts = [TestAccounts.account(1), TestAccounts.account(2)]
        let store = SnapshotStore(accounts: accounts)
        let source = RecordingSource(clock: clock)
        let refresher = UsageRefresher(
            store: store, source: source, interval: .seconds(60), jitter: [0, 0], clock: clock,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        return (accounts, store, source, refresher)
    }

    @Test func accountsRefreshAtOnceThenExactlyOnTheirSlots() async throws {
        let clock = TestClock(unixTime: 1_000)
        let (accounts, store, source, refresher) = Self.twoAccountsEveryMinute(clock)
        let running = Task { try await refresher.run() }
        defer { running.cancel() }
        try await clock.waitForSleepers(2)
        #expect(source.times(of: accounts[0]) == [clock.start])
        #expect(source.times(of: accounts[1]) == [clock.start])
        // Slots spread over the interval: account 1 at 0 s into it, account 2 half way.
        let health = store.entries().map(\.snapshot.health)
        #expect(health.map(\.nextRefreshTime) == [1_060, 1_090])
        #expect(health.map(\.lastSuccessTime) == [1_000, 1_000])

        clock.advance(by: .seconds(59))
        #expect(source.times(of: accounts[0]).count == 1, "not a second early")
        clock.advance(by: .seconds(1))
        try await clock.waitForSleepers(2)
        #expect(source.times(of: accounts[0]) == [clock.start, clock.start + .seconds(60)])
        #expect(source.times(of: accounts[1]) == [clock.start])
        clock.advance(by: .seconds(30))
        try await clock.waitForSleepers(2)
        #expect(source.times(of: accounts[1]) == [clock.start, clock.start + .seconds(90)])
        #expect(store.entries().map(\.snapshot.health.nextRefreshTime) == [1_120, 1_150])
    }

    /// Discovery finds more accounts than the credential's budget fits in the interval: the
    /// plan stretches, and an account that went to sleep on the old plan's slot wakes on it
    /// but waits for its new one, which begins once the budget had time for every first
    /// refresh (with its info call).
    @Test func aLoopAsleepOnAnOldSlotWaitsForTheNewPlansSlot() async throws {
        let clock = TestClock(unixTime: 1_000)
        let accounts = (1...120).map { AccountID(String(format: "%032x", $0))! }
        let store = SnapshotStore(accounts: Array(accounts.prefix(2)))
        let source = RecordingSource(clock: clock)
        let refresher = UsageRefresher(
            store: store, source: source, interval: .seconds(60),
            credentials: [.init(name: "team", rate: RequestRate(requests: 60, perSeconds: 60))], jitter: [0, 0], clock: clock,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let running = Task { try await refresher.run() }
        defer { running.cancel() }
        try await clock.waitForSleepers(2)
        #expect(store.entries().map(\.snapshot.health.nextRefreshTime) == [1_060, 1_090], "two accounts fit in 60 s")

        _ = store.replaceAccounts(with: accounts)
        refresher.watchedAccountsChanged()
        try await clock.waitForSleepers(120)
        // 120 info and 120 usage calls at one a second: the second cycle begins at 240 s.
        let plan = refresher.schedule()
        #expect(plan.isStretched && plan.firstCycleDelay == .seconds(240) - plan.effectiveInterval)
        clock.advance(by: .seconds(60))
        try await clock.waitForSleepers(120)
        #expect(source.times(of: accounts[0]) == [clock.start], "woken on the old slot, not refreshed")
        clock.advance(by: .seconds(179))
        try await clock.waitForSleepers(120)
        #expect(source.times(of: accounts[0]) == [clock.start], "not a second early")
        clock.advance(by: .seconds(1))
        try await clock.waitForSleepers(120)
        #expect(source.times(of: accounts[0]) == [clock.start, clock.start + .seconds(240)])
    }

    /// An account dropped and watched again while its loop slept (a reload that removed it,
    /// then one that gave it back) gets its first refresh at once, as a new account does, and
    /// the old loop ends when it wakes instead of refreshing it a second time.
    @Test func anAccountWatchedAgainIsRefreshedAtOnceAndOnlyByItsNewLoop() async throws {
        let clock = TestClock(unixTime: 1_000)
        let (accounts, store, source, refresher) = Self.twoAccountsEveryMinute(clock)
        let running = Task { try await refresher.run() }
        defer { running.cancel() }
        try await clock.waitForSleepers(2)
        func planned(_ count: Int) async throws {
            for _ in 0..<2_000 where refresher.schedule().accountCount != count { try await Task.sleep(for: .milliseconds(5)) }
            #expect(refresher.schedule().accountCount == count)
        }

        _ = store.replaceAccounts(with: [accounts[0]])
        refresher.watchedAccountsChanged()
        try await planned(1)
        clock.advance(by: .seconds(10))
        _ = store.replaceAccounts(with: accounts)
        refresher.watchedAccountsChanged()
        try await planned(2)
        try await clock.waitForSleepers(3)
        #expect(source.times(of: accounts[1]) == [clock.start, clock.start + .seconds(10)], "at once, as a new account")

        // The old loop slept until 90 s, the old plan's slot: it ends there without a call.
        // The new loop's slot is 90 s plus its own jitter in the 30 s slot (given anew).
        let next = try #require(store.snapshot(of: accounts[1])?.health.nextRefreshTime)
        #expect(next >= 1_090 && next < 1_120)
        clock.advance(by: .seconds(80))
        try await clock.waitForSleepers(2)
        try await Task.sleep(for: .milliseconds(50))
        #expect(source.times(of: accounts[1]) == [clock.start, clock.start + .seconds(10)], "not by the old loop")
        // The slot as unix seconds is rounded: a millisecond past it, so the clock is surely there.
        clock.advance(by: .saturating(seconds: next - 1_090) + .milliseconds(1))
        try await clock.waitForSleepers(2)
        #expect(source.times(of: accounts[1]).count == 3, "by the new loop, on its slot")
        #expect(source.times(of: accounts[1]).last == clock.now)
    }

    /// The same when the removal and the return come together, before the refresher plans
    /// either: the removal is told at once, so the account still gets a new loop.
    @Test func anAccountRemovedAndGivenBackAtOnceIsRefreshedAtOnce() async throws {
        let clock = TestClock(unixTime: 1_000)
        let (accounts, store, source, refresher) = Self.twoAccountsEveryMinute(clock)
        let running = Task { try await refresher.run() }
        defer { running.cancel() }
        try await clock.waitForSleepers(2)
        clock.advance(by: .seconds(10))
        let (_, removed) = store.replaceAccounts(with: [accounts[0]])
        refresher.watchedAccountsChanged(removed: removed)
        _ = store.replaceAccounts(with: accounts)
        refresher.watchedAccountsChanged()
        try await clock.waitForSleepers(3)
        #expect(source.times(of: accounts[1]) == [clock.start, clock.start + .seconds(10)])
        #expect(store.snapshot(of: accounts[1])?.health.up == true)
    }

    /// An account whose answers carry no name has it asked for once; when that answer gave
    /// none (a 429 in the first cycle), again a day later, not at every refresh.
    @Test func aNameThatCouldNotBeFetchedIsAskedAgainADayLater() async {
        final class NamelessSource: UsageSource {
            let asked = Mutex<Int>(0)
            func fetchUsage(for account: AccountID, range: UsageDateRange?) async -> UsageFetchOutcome {
                UsageFetchOutcome(result: .success([]), responseCodes: [200])
            }
            func fetchAccountName(for account: AccountID) async -> String? {
                asked.withLock { asked in
                    asked += 1
                    return asked >= 2 ? "Named at last" : nil
                }
            }
        }
        let clock = TestClock(unixTime: 1_000)
        let account = TestAccounts.account(1)
        let store = SnapshotStore(accounts: [account])
        let source = NamelessSource()
        let refresher = UsageRefresher(
            store: store, source: source, interval: .seconds(600), clock: clock,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        await refresher.refreshAllOnce()
        #expect(source.asked.withLock { $0 } == 1)
        clock.advance(by: .seconds(86_399))
        await refresher.refreshAllOnce()
        #expect(source.asked.withLock { $0 } == 1, "not again within the day")
        clock.advance(by: .seconds(1))
        await refresher.refreshAllOnce()
        #expect(source.asked.withLock { $0 } == 2)
        #expect(store.snapshot(of: account)?.accountName == "Named at last")
        clock.advance(by: .seconds(86_400))
        await refresher.refreshAllOnce()
        #expect(source.asked.withLock { $0 } == 2, "named: never asked again")
    }

    @Test func aScrapeBodyIsReusedForExactlyOneSecond() {
        let clock = TestClock()
        let cache = ScrapeBodyCache(clock: clock)
        let key = ScrapeBodyCache.Key(format: .prometheusText, gzip: false)
        let usage = RenderedUsage(version: 1, bytes: ByteBuffer(string: "usage\n"))
        var builds = 0
        func build() -> [ByteBuffer] {
            builds += 1
            return [usage.bytes, ByteBuffer(string: "tail \(builds)\n")]
        }
        #expect(String(buffer: cache.body(for: key, usage: usage, build: build)) == "usage\ntail 1\n")
        clock.advance(by: .milliseconds(999))
        #expect(cache.cachedBody(for: key, usage: usage).map { String(buffer: $0) } == "usage\ntail 1\n")
        #expect(String(buffer: cache.body(for: key, usage: usage, build: build)) == "usage\ntail 1\n")
        clock.advance(by: .milliseconds(1))
        #expect(cache.cachedBody(for: key, usage: usage) == nil, "a second old: stale")
        #expect(String(buffer: cache.body(for: key, usage: usage, build: build)) == "usage\ntail 2\n")
        let newer = RenderedUsage(version: 2, bytes: ByteBuffer(string: "newer\n"))
        #expect(cache.cachedBody(for: key, usage: newer) == nil, "a new usage body is never served from the old one")
        #expect(builds == 2)
    }
}
