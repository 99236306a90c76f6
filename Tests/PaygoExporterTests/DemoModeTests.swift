import Synchronization
import Testing

@testable import PaygoExporter

@Suite struct DemoModeTests {
    @Test func demoServesTwoCurrenciesADozenServicesAndATwoUnitService() async throws {
        try await RunningExporter.with(DemoExporterConfiguration.make()) { exporter in
            let parsed = try await exporter.scrape { $0.matching("cloudflare_paygo_up").count == 5 }
            #expect(parsed.matching("cloudflare_paygo_up").allSatisfy { $0.value == 1 })
            let costs = parsed.matching("cloudflare_paygo_contracted_cost")
            #expect(Set(costs.compactMap { $0.labels["currency"] }) == ["USD", "EUR"])
            #expect(Set(costs.compactMap { $0.labels["account_id"] }).count == 4, "all but the account that is not covered")
            let accounts = DemoUsageSource.accounts.map(\.rawValue)
            #expect(parsed.matching("cloudflare_paygo_account_covered").map(\.value).sorted() == [0, 1, 1, 1])
            #expect(parsed.value("cloudflare_paygo_account_covered", ["account_id": accounts[4]]) == 0)
            #expect(
                Set(parsed.matching("cloudflare_paygo_account_info").compactMap { $0.labels["account_name"] })
                    == ["Example Corp", "Beispiel GmbH", "Night Shift Ltd"])
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

    /// Whatever the date the demo starts on, its relative accounts have a forecast to draw and
    /// alert on (a period's first day has none), and keep it for more than a week of running;
    /// the account anchored on the 31st lacks one only on its periods' first days.
    @Test func demoHasAForecastWhicheverDayItStarts() async throws {
        let day = 86_400.0
        let firstStart = 1_798_761_600.0 + day / 3  // 2027-01-01 08:00 UTC
        let anchored = DemoUsageSource.accounts[2]
        // Every day of two months, then every fifth day of the year after.
        for startDay in Array(0..<62) + Array(stride(from: 62, to: 400, by: 5)) {
            let started = firstStart + Double(startDay) * day
            let clock = Mutex(started)
            let source = DemoUsageSource(now: { clock.withLock { $0 } })
            for daysRunning in [0, 8] {
                let now = started + Double(daysRunning) * day
                clock.withLock { $0 = now }
                for account in DemoUsageSource.accounts.prefix(4) {
                    var cycle: BillingCycle?
                    if case .info(let info, _) = await source.fetchAccountInfo(for: account) { cycle = info.billingCycle(at: now) }
                    let usage = AccountUsage(records: try await source.fetchUsage(for: account).result.get(), now: now, billingCycle: cycle)
                    let firstDayOfPeriod = cycle.map { Int($0.period(containing: now).start / day) == Int(now / day) } ?? false
                    let expected = account == anchored && firstDayOfPeriod ? 0 : 1
                    #expect(usage.forecastCosts.count == expected, "start day \(startDay), \(daysRunning) days running, \(account)")
                    #expect(usage.billingPeriodEnds.values.allSatisfy { $0 > now })
                }
            }
        }
    }

    /// The demo shows every state: names and families on today's API, a zone-split service, an
    /// anchor on the 31st, an account on the first path without info, and one not covered.
    @Test func demoAccountsCoverEveryState() async throws {
        let now = 1_796_212_800.0  // 2026-12-02 12:00 UTC
        let source = DemoUsageSource(now: { now })
        let accounts = DemoUsageSource.accounts
        var covered: [Bool?] = []
        for account in accounts {
            switch await source.fetchAccountInfo(for: account) {
            case .info(let info, _): covered.append(info.covered)
            case .unavailable: covered.append(nil)
            case .failure: Issue.record("info failed for \(account)")
            }
        }
        #expect(covered == [true, true, true, nil, false])
        if case .info(let info, _) = await source.fetchAccountInfo(for: accounts[2]) {
            #expect(CivilCalendar.formatDate(info.billingCycle(at: now)!.period(containing: now).start) == "2026-11-30")
        }
        let example = try await source.fetchUsage(for: accounts[0]).result.get()
        #expect(Set(example.compactMap(\.details.billingAccountName)) == ["Example Corp"])
        #expect(Set(example.compactMap(\.details.serviceFamily)).isSuperset(of: ["Workers", "R2", "Argo"]))
        let argo = AccountUsage(records: example, now: now, byZone: true).zoneSeries.filter { $0.key.service == "Argo Smart Routing" }
        #expect(Set(argo.map(\.zoneName)) == ["example.com", "example.org"])
        let legacy = try await source.fetchUsage(for: accounts[3]).result.get()
        #expect(!legacy.isEmpty && legacy.allSatisfy { $0.details == UsageRecord.Details() }, "11 columns only")
        #expect(try await source.fetchUsage(for: accounts[4]).result.get().isEmpty)
    }
}
