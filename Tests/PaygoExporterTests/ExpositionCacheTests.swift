import NIOCore
import PrometheusExposition
import Testing

@testable import PaygoExporter

/// The body is assembled from slices of the previous one for unchanged accounts and rendered in
/// place for changed ones: whatever the history, it must equal a body rendered from scratch.
@Suite struct ExpositionCacheTests {
    private static let accounts = (1...3).map { AccountID(String(repeating: "\($0)", count: 32))! }

    private func record(_ service: String, cost: Double, currency: String = "USD") -> UsageRecord {
        UsageRecord(
            billingCurrency: currency, billingPeriodStart: 0, chargePeriodStart: 86_400, chargePeriodEnd: 2 * 86_400,
            serviceName: service, consumedUnit: "Requests", consumedQuantity: cost * 10, pricingQuantity: cost * 10,
            contractedCost: cost, cumulatedContractedCost: cost, cumulatedPricingQuantity: nil)
    }

    private func refresh(_ store: SnapshotStore, _ account: AccountID, _ records: [UsageRecord], at time: Double) {
        store.update(account) {
            $0.applying(UsageFetchOutcome(result: .success(records), responseCodes: [200]), finishedAt: time, durationSeconds: 0.25)
        }
    }

    private func fresh(_ store: SnapshotStore, _ format: ExpositionFormat) -> String {
        String(buffer: ExpositionCache(store: store).body(format).bytes)
    }

    @Test func incrementalBodiesEqualBodiesRenderedFromScratch() throws {
        let store = SnapshotStore(accounts: Self.accounts)
        let cache = ExpositionCache(store: store)
        // Nothing refreshed yet: account families have no samples, so no headers either.
        let empty = String(buffer: cache.body().bytes)
        #expect(!empty.contains("cloudflare_paygo_contracted_cost"))
        #expect(empty.contains("# TYPE cloudflare_paygo_exporter_build_info gauge"))

        refresh(store, Self.accounts[0], [record("Workers", cost: 1), record("R2", cost: 2)], at: 100)
        refresh(store, Self.accounts[1], [record("D1", cost: 3, currency: "EUR")], at: 100)
        let first = String(buffer: cache.body().bytes)
        #expect(first == fresh(store, .prometheusText))
        #expect(
            first.contains(
                "cloudflare_paygo_contracted_cost{account_id=\"\(Self.accounts[1].rawValue)\",service=\"D1\",service_family=\"\",unit=\"Requests\",currency=\"EUR\"} 3\n"
            ))

        // One account changes, one appears, one stays: only the first two are rendered again.
        refresh(store, Self.accounts[0], [record("Workers", cost: 5)], at: 200)
        refresh(store, Self.accounts[2], [record("Queues", cost: 7)], at: 200)
        let second = String(buffer: cache.body().bytes)
        #expect(second == fresh(store, .prometheusText))
        #expect(!second.contains("service=\"R2\""), "a series gone from the answer is gone from the body")
        #expect(second.contains("service=\"D1\""), "the unchanged account is still served")

        // The other format is assembled from slices of the text body, and back again.
        let openMetrics = String(buffer: cache.body(.openMetrics).bytes)
        #expect(openMetrics == fresh(store, .openMetrics))
        refresh(store, Self.accounts[1], [record("D1", cost: 4, currency: "EUR")], at: 300)
        #expect(String(buffer: cache.body().bytes) == fresh(store, .prometheusText))
        #expect(String(buffer: cache.body(.openMetrics).bytes) == fresh(store, .openMetrics))
    }

    /// Issue 17's scale: 10,000 accounts x 10 services refreshed in waves and in a shuffled
    /// order, some again with new values, accounts joining and leaving: the cached body stays
    /// byte-exact against one rendered from scratch, in both formats.
    @Test func tenThousandAccountsStayByteExactAgainstAFreshRender() throws {
        let accounts = (1...10_000).map { AccountID(String(format: "%032x", $0))! }
        let store = SnapshotStore(accounts: accounts)
        let cache = ExpositionCache(store: store)
        let services = (0..<10).map { "Service \($0)" }
        var generator = SystemRandomNumberGenerator()
        let order = accounts.shuffled(using: &generator)
        for wave in stride(from: 0, to: order.count, by: 2_500) {
            for (index, account) in order[wave..<(wave + 2_500)].enumerated() {
                refresh(store, account, services.map { record($0, cost: Double(index % 97) + 0.25) }, at: 100)
            }
            _ = cache.body()
        }
        #expect(String(buffer: cache.body().bytes) == fresh(store, .prometheusText))
        for account in order.prefix(1_000) {
            refresh(store, account, services.prefix(5).map { record($0, cost: 1.5) }, at: 200)
        }
        let leaving = Set(order.suffix(500))
        let joining = (10_001...10_200).map { AccountID(String(format: "%032x", $0))! }
        _ = store.replaceAccounts(with: accounts.filter { !leaving.contains($0) } + joining)
        for account in joining { refresh(store, account, [record("New", cost: 3)], at: 300) }
        let text = String(buffer: cache.body().bytes)
        #expect(text == fresh(store, .prometheusText))
        #expect(String(buffer: cache.body(.openMetrics).bytes) == fresh(store, .openMetrics))
        #expect(text.utf8.count > 10_000 * 10 * 100, "the body holds every account's series")
    }

    @Test func unchangedStoreServesTheSameBuffer() {
        let store = SnapshotStore(accounts: Self.accounts)
        refresh(store, Self.accounts[0], [record("Workers", cost: 1)], at: 100)
        let cache = ExpositionCache(store: store)
        let first = cache.body()
        let second = cache.body()
        #expect(first.version == second.version)
        #expect(first.bytes == second.bytes)
        refresh(store, Self.accounts[0], [record("Workers", cost: 2)], at: 200)
        #expect(cache.body().version > first.version)
    }
}
