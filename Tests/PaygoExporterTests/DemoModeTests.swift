import Synchronization
import Testing

@testable import PaygoExporter

@Suite struct DemoModeTests {
    @Test func demoServesTwoCurrenciesADozenServicesAndATwoUnitService() async throws {
        try await RunningExporter.with(DemoExporterConfiguration.make()) { exporter in
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
        // 2026-11-10 12:00 UTC: the USD period began 9 days earlier, on the 1st.
        let monday = 1_794_268_800.0 + day / 2
        let clock = Mutex(monday)
        let source = DemoUsageSource(now: { clock.withLock { $0 } })
        let first = try await source.fetchUsage(for: account).result.get()
        clock.withLock { $0 = monday + day }
        let second = try await source.fetchUsage(for: account).result.get()
        clock.withLock { $0 = monday + day / 4 }
        let laterSameDay = try await source.fetchUsage(for: account).result.get()
        // Daily records from the 1st up to today, for every product.
        let days = Set(first.map(\.chargePeriodStart))
        #expect(days.count == 10)
        #expect(days.min() == 1_793_491_200, "the USD account's billing period starts on the 1st")
        #expect(Set(second.map(\.chargePeriodStart)).count == 11, "the billing day stays where it was fixed")
        let firstUsage = AccountUsage(records: first), secondUsage = AccountUsage(records: second)
        #expect(firstUsage.series.map(\.contractedCost) != secondUsage.series.map(\.contractedCost))
        #expect(AccountUsage(records: laterSameDay).series[0].contractedCost > firstUsage.series[0].contractedCost)

        clock.withLock { $0 = monday }
        let euro = try await source.fetchUsage(for: DemoUsageSource.accounts[1]).result.get()
        #expect(Set(euro.map(\.billingCurrency)) == ["EUR"])
        #expect(
            euro.compactMap(\.billingPeriodStart).min() == 1_792_713_600, "the EUR account's period started 18 days earlier, on 23 October")
    }

    /// Whatever the date the demo starts on, both accounts have a forecast to draw and alert
    /// on (a period's first day has none), and keep it for more than a week of running.
    @Test func demoHasAForecastWhicheverDayItStarts() async throws {
        let day = 86_400.0
        let firstStart = 1_798_761_600.0 + day / 3  // 2027-01-01 08:00 UTC
        for startDay in 0..<400 {
            let started = firstStart + Double(startDay) * day
            let clock = Mutex(started)
            let source = DemoUsageSource(now: { clock.withLock { $0 } })
            for daysRunning in [0, 8] {
                let now = started + Double(daysRunning) * day
                clock.withLock { $0 = now }
                for account in DemoUsageSource.accounts {
                    let usage = AccountUsage(records: try await source.fetchUsage(for: account).result.get(), now: now)
                    #expect(usage.forecastCosts.count == 1, "start day \(startDay), \(daysRunning) days running, \(account)")
                    #expect(usage.billingPeriodEnds.values.allSatisfy { $0 > now })
                }
            }
        }
    }
}
