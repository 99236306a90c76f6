import Foundation
import Testing

@testable import PaygoExporter

@Suite struct ForecastAndBudgetTests {
    static let day = 86_400.0
    /// 2026-11-01, the start of a 30-day billing period.
    static let periodStart = 1_793_491_200.0
    static let periodEnd = periodStart + 30 * day

    private func days(_ costs: [Double], partialToday: Double? = nil) -> [CostForecast.Day] {
        var result = costs.enumerated().map { index, cost in
            CostForecast.Day(
                start: Self.periodStart + Double(index) * Self.day, end: Self.periodStart + Double(index + 1) * Self.day, cost: cost)
        }
        if let partialToday {
            let start = Self.periodStart + Double(costs.count) * Self.day
            result.append(CostForecast.Day(start: start, end: start + Self.day, cost: partialToday))
        }
        return result
    }

    @Test func steadySpendProjectsTheWholePeriod() throws {
        // Ten full days of 10, at midnight after day ten.
        let now = Self.periodStart + 10 * Self.day
        let forecast = try #require(CostForecast.project(days: days(Array(repeating: 10, count: 10)), periodEnd: Self.periodEnd, now: now))
        #expect(abs(forecast - 300) < 1e-9)
    }

    @Test func partialTodayCountsAsSpentAndTheRestAtTheRunRate() throws {
        // Noon of day eleven, 4 spent so far today.
        let now = Self.periodStart + 10.5 * Self.day
        let forecast = try #require(
            CostForecast.project(days: days(Array(repeating: 10, count: 10), partialToday: 4), periodEnd: Self.periodEnd, now: now))
        #expect(abs(forecast - (100 + 4 + 10 * 19.5)) < 1e-9)
    }

    @Test func aOneDaySpikeDoesNotMoveTheRunRate() throws {
        let now = Self.periodStart + 10 * Self.day
        let spiky = CostForecast.project(days: days([10, 10, 10, 10, 10, 10, 10, 10, 10, 500]), periodEnd: Self.periodEnd, now: now)
        // Spent 590; the median of the last seven days is still 10.
        #expect(spiky.map { abs($0 - (590 + 200)) < 1e-9 } == true)
    }

    @Test func aStepChangeIsFollowedWithinDaysUnlikeAWholePeriodMean() throws {
        // Ten days at 10, then five at 40: the run rate is 40 after four days of the new level.
        let costs = Array(repeating: 10.0, count: 10) + Array(repeating: 40.0, count: 5)
        let now = Self.periodStart + 15 * Self.day
        let forecast = try #require(CostForecast.project(days: days(costs), periodEnd: Self.periodEnd, now: now))
        #expect(abs(forecast - (300 + 40 * 15)) < 1e-9)
        let naiveMean = costs.reduce(0, +) / 15 * 30
        #expect(forecast > naiveMean + 100, "a whole-period mean (\(naiveMean)) lags the change")
    }

    @Test func noCompleteDayMeansNoForecast() {
        let now = Self.periodStart + 0.3 * Self.day
        #expect(CostForecast.project(days: days([], partialToday: 3), periodEnd: Self.periodEnd, now: now) == nil)
    }

    @Test(arguments: [
        ("2026-11-01", "2026-12-01"), ("2026-12-15", "2027-01-15"), ("2027-01-31", "2027-02-28"), ("2028-01-31", "2028-02-29"),
    ])
    func billingPeriodEndIsOneCalendarMonthLater(start: String, end: String) throws {
        let startTime = try #require(RFC3339Timestamp.parseDate(start))
        #expect(CostForecast.periodEnd(forStart: startTime) == RFC3339Timestamp.parseDate(end))
    }

    @Test func usageComputesForecastPerCurrencyFromTheCurrentPeriodOnly() throws {
        func record(_ currency: String, day: Int, cost: Double, billingStart: Double = Self.periodStart) -> UsageRecord {
            let start = Self.periodStart + Double(day) * Self.day
            return UsageRecord(
                billingCurrency: currency, billingPeriodStart: billingStart, chargePeriodStart: start, chargePeriodEnd: start + Self.day,
                serviceName: "S", consumedUnit: "u", consumedQuantity: 1, pricingQuantity: 1, contractedCost: cost,
                cumulatedContractedCost: nil, cumulatedPricingQuantity: nil)
        }
        let records =
            (0..<10).flatMap { [record("USD", day: $0, cost: 6), record("USD", day: $0, cost: 4), record("EUR", day: $0, cost: 1)] }
            + [record("USD", day: -3, cost: 1_000, billingStart: Self.periodStart - 31 * Self.day)]
        let usage = AccountUsage(records: records, now: Self.periodStart + 10 * Self.day)
        #expect(usage.billingPeriodEnds["USD"] == Self.periodEnd)
        #expect(
            usage.forecastCosts["USD"].map { abs($0 - 300) < 1e-9 } == true, "records of one day add up; the previous period is left out")
        #expect(usage.forecastCosts["EUR"].map { abs($0 - 30) < 1e-9 } == true, "currencies never mix")
    }

    @Test func budgetFileParses() throws {
        let budgets = try BudgetFile.parse(
            """
            budgets:
              - account_id: \(TestAccounts.id(1))
                currency: USD
                amount: 500
              - account_id: \(TestAccounts.id(1))
                currency: EUR
                amount: 120.5
                warn_ratio: 0.9
            """, source: "b.yml", watchedAccounts: [TestAccounts.account(1)])
        #expect(
            budgets == [
                Budget(account: TestAccounts.account(1), currency: "USD", amount: 500, warnRatio: 0.8),
                Budget(account: TestAccounts.account(1), currency: "EUR", amount: 120.5, warnRatio: 0.9),
            ])
        #expect(try BudgetFile.parse("", source: "b.yml", watchedAccounts: []).isEmpty)
    }

    @Test(arguments: [
        ("budgets:\n  - account_id: nope\n    currency: USD\n    amount: 1\n", "account_id"),
        ("budgets:\n  - account_id: ACCOUNT2\n    currency: USD\n    amount: 1\n", "not one of the watched accounts"),
        ("budgets:\n  - account_id: ACCOUNT1\n    currency: usd\n    amount: 1\n", "ISO 4217"),
        ("budgets:\n  - account_id: ACCOUNT1\n    currency: USD\n    amount: -5\n", "positive"),
        ("budgets:\n  - account_id: ACCOUNT1\n    currency: USD\n    amount: 5\n    warn_ratio: 2\n", "warn_ratio"),
        ("budgets:\n  - account_id: ACCOUNT1\n    currency: USD\n    amount: 5\n    limit: 2\n", "unknown key budgets[0].limit"),
        ("budgets:\n  - account_id: ACCOUNT1\n    currency: USD\n", "amount is missing"),
        (
            "budgets:\n  - account_id: ACCOUNT1\n    currency: USD\n    amount: 1\n  - account_id: ACCOUNT1\n    currency: USD\n    amount: 2\n",
            "repeats"
        ),
        ("budget:\n  - {}\n", "unknown key budget"),
        ("budgets: {a: 1}\n", "must be a list"),
    ])
    func budgetFileErrorsNameTheEntry(yaml: String, mentions: String) {
        let text = yaml.replacingOccurrences(of: "ACCOUNT1", with: TestAccounts.id(1)).replacingOccurrences(
            of: "ACCOUNT2", with: TestAccounts.id(2))
        do {
            _ = try BudgetFile.parse(text, source: "b.yml", watchedAccounts: [TestAccounts.account(1)])
            Issue.record("accepted \(yaml)")
        } catch {
            #expect(error.description.contains(mentions), "\(error)")
            #expect(error.description.contains("b.yml"))
        }
    }

    /// With discovery the watched accounts change while running: a budget may name an account
    /// the flags do not give (it applies once discovery finds it). Without, it is a typo.
    @Test func withDiscoveryABudgetMayNameAnAccountNotGiven() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("budgets-\(UInt64.random(in: 0...UInt64.max)).yml").path
        try "budgets:\n  - account_id: \(TestAccounts.id(2))\n    currency: USD\n    amount: 100\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = CommandLineOptions()
        options.accountIDs = [TestAccounts.id(1)]
        options.budgetFile = path
        #expect(throws: ConfigurationError.self) { try ExporterConfiguration(options: options, environment: ["CLOUDFLARE_API_TOKEN": "t"]) }
        options.accountIDs = []
        options.discoverAccounts = true
        let configuration = try ExporterConfiguration(options: options, environment: ["CLOUDFLARE_API_TOKEN": "t"])
        #expect(configuration.budgets.map(\.account) == [TestAccounts.account(2)])
        #expect(configuration.budgetAccounts == nil)
    }

    @Test func budgetsAndForecastAreServedAndReloadOnSIGHUP() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("budgets-\(UInt64.random(in: 0...UInt64.max)).yml").path
        let account = DemoUsageSource.accounts[0].rawValue
        try "budgets:\n  - account_id: \(account)\n    currency: USD\n    amount: 100\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let exporter = try ExporterProcess(arguments: ["--demo", "--budget.config-file", path], environment: ["PATH": "/usr/bin:/bin"])
        try await exporter.waitUntilReady()
        let client = exporter.client
        let first = try ParsedExposition(try await client.scrape())
        #expect(first.value("cloudflare_paygo_budget", ["account_id": account, "currency": "USD"]) == 100)
        #expect(first.value("cloudflare_paygo_budget_warn_ratio", ["account_id": account]) == 0.8)
        #expect(first.matching("cloudflare_paygo_budget").count == 1, "the file replaces the demo's own budgets")
        #expect(first.value("cloudflare_paygo_forecast_cost", ["account_id": account, "currency": "USD"]).map { $0 > 0 } == true)
        #expect(
            first.value("cloudflare_paygo_billing_period_end_timestamp_seconds", ["account_id": account]).map {
                $0 > Date().timeIntervalSince1970
            } == true)

        try "budgets:\n  - account_id: \(account)\n    currency: USD\n    amount: 250\n    warn_ratio: 0.5\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        exporter.signal(SIGHUP)
        let deadline = ContinuousClock.now + .seconds(10)
        var reloaded: ParsedExposition?
        while ContinuousClock.now < deadline {
            let parsed = try ParsedExposition(try await client.scrape())
            if parsed.value("cloudflare_paygo_budget", ["account_id": account]) == 250 {
                reloaded = parsed
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(reloaded?.value("cloudflare_paygo_budget_warn_ratio", ["account_id": account]) == 0.5)

        try "budgets: [oops\n".write(toFile: path, atomically: true, encoding: .utf8)
        exporter.signal(SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        let kept = try ParsedExposition(try await client.scrape())
        #expect(kept.value("cloudflare_paygo_budget", ["account_id": account]) == 250, "a broken file keeps the budgets in force")
        #expect(await exporter.stop() == 0)
        #expect(exporter.standardError.contains("kept the previous budgets"))
    }
}
