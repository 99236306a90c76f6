import PaygoExporter
import Testing

@Suite struct DemoModeTests {
    @Test func demoServesTwoCurrenciesADozenServicesAndATwoUnitService() async throws {
        try await RunningExporter.with(DemoConfiguration.make()) { exporter in
            let parsed = try await exporter.scrape { $0.matching("cloudflare_paygo_up").count == 2 }
            #expect(parsed.matching("cloudflare_paygo_up").allSatisfy { $0.value == 1 })
            let costs = parsed.matching("cloudflare_paygo_contracted_cost")
            #expect(Set(costs.compactMap { $0.labels["currency"] }) == ["USD", "EUR"])
            #expect(Set(costs.compactMap { $0.labels["account_id"] }).count == 2)
            let usdServices = Set(costs.filter { $0.labels["currency"] == "USD" }.compactMap { $0.labels["service"] })
            #expect(usdServices.count >= 10)
            var workerUnits: Set<String> = []
            for cost in costs where cost.labels["service"] == "Workers Standard" && cost.labels["currency"] == "USD" {
                workerUnits.insert(cost.labels["unit"] ?? "")
            }
            #expect(workerUnits == ["Requests", "CPU ms"])
            let nonPositive = costs.filter { cost in cost.value <= 0 }
            #expect(nonPositive.isEmpty)
            // Cumulated cost covers at least the newest day.
            for cost in costs {
                let cumulated = parsed.value("cloudflare_paygo_cumulated_contracted_cost", cost.labels)
                #expect(cumulated.map { $0 >= cost.value } == true)
            }
            try PromtoolCheck.checkMetrics(parsed.text)
        }
    }

    @Test func demoValuesMoveWithTheDateAndCoverTheBillingPeriod() async throws {
        let account = DemoUsageSource.accounts[0]
        let day = 86_400.0
        // 2026-11-10 12:00 UTC and 2026-11-11 12:00 UTC.
        let monday = 1_794_268_800.0 + day / 2
        let first = try await DemoUsageSource(now: { monday }).fetchUsage(for: account).result.get()
        let second = try await DemoUsageSource(now: { monday + day }).fetchUsage(for: account).result.get()
        let laterSameDay = try await DemoUsageSource(now: { monday + day / 4 }).fetchUsage(for: account).result.get()
        // Daily records from the 1st up to today, for every product.
        let days = Set(first.map(\.chargePeriodStart))
        #expect(days.count == 10)
        #expect(days.min() == 1_793_491_200, "the USD account's billing period starts on the 1st")
        #expect(Set(second.map(\.chargePeriodStart)).count == 11)
        let firstUsage = AccountUsage(records: first), secondUsage = AccountUsage(records: second)
        #expect(firstUsage.series.map(\.contractedCost) != secondUsage.series.map(\.contractedCost))
        #expect(AccountUsage(records: laterSameDay).series[0].contractedCost > firstUsage.series[0].contractedCost)

        let euro = try await DemoUsageSource(now: { monday }).fetchUsage(for: DemoUsageSource.accounts[1]).result.get()
        #expect(Set(euro.map(\.billingCurrency)) == ["EUR"])
        #expect(euro.compactMap(\.billingPeriodStart).min() == 1_792_022_400, "the EUR account's period started on 15 October")
    }
}
