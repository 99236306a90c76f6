import PaygoExporter
import Testing

@Suite struct AggregationTests {
    private func record(
        _ service: String = "Workers Standard", unit: String = "Requests", currency: String = "USD", day: Double = 1,
        cost: Double = 1, cumulated: Double? = 1, consumed: Double? = 10
    ) -> UsageRecord {
        UsageRecord(
            billingCurrency: currency, billingPeriodStart: 0, chargePeriodStart: day * 86_400, chargePeriodEnd: (day + 1) * 86_400,
            serviceName: service, consumedUnit: unit, consumedQuantity: consumed, pricingQuantity: consumed,
            contractedCost: cost, cumulatedContractedCost: cumulated, cumulatedPricingQuantity: consumed)
    }

    @Test func newestChargePeriodWinsWhateverTheOrder() {
        let usage = AccountUsage(records: [record(day: 3, cost: 3), record(day: 5, cost: 5), record(day: 4, cost: 4)])
        #expect(usage.series.count == 1)
        #expect(usage.series[0].contractedCost == 5)
        #expect(usage.series[0].chargePeriodStart == 5 * 86_400)
        #expect(usage.recordCount == 3)
    }

    @Test func recordsSharingKeyAndPeriodAreSummed() {
        let usage = AccountUsage(records: [
            record(cost: 0.25, cumulated: 1, consumed: 100), record(cost: 0.5, cumulated: 2, consumed: 200), record(day: 0, cost: 99),
        ])
        #expect(usage.series.count == 1)
        #expect(usage.series[0].contractedCost == 0.75)
        #expect(usage.series[0].cumulatedContractedCost == 3)
        #expect(usage.series[0].consumedQuantity == 300)
    }

    @Test func unitsAndCurrenciesStayApart() {
        let usage = AccountUsage(records: [
            record(unit: "Requests", cost: 1), record(unit: "CPU ms", cost: 2),
            record(currency: "EUR", cost: 4), record(currency: "USD", cost: 8),
        ])
        #expect(
            usage.series.map(\.key) == [
                UsageSeriesKey(service: "Workers Standard", unit: "CPU ms", currency: "USD"),
                UsageSeriesKey(service: "Workers Standard", unit: "Requests", currency: "EUR"),
                UsageSeriesKey(service: "Workers Standard", unit: "Requests", currency: "USD"),
            ])
        #expect(usage.series.map(\.contractedCost) == [2, 4, 9])
    }

    @Test func absentColumnsStayAbsentUnlessSomeRecordHasThem() {
        let none = AccountUsage(records: [record(cumulated: nil, consumed: nil), record(cumulated: nil, consumed: nil)])
        #expect(none.series[0].cumulatedContractedCost == nil)
        #expect(none.series[0].consumedQuantity == nil)
        let some = AccountUsage(records: [record(cumulated: nil), record(cumulated: 7)])
        #expect(some.series[0].cumulatedContractedCost == 7)
    }

    @Test func failureKeepsLastGoodUsageAndCountsTheReason() async throws {
        let account = try #require(AccountID("0123456789abcdef0123456789abcdef"))
        let good = AccountSnapshot(account: account).applying(
            UsageFetchOutcome(result: .success([record(cost: 2)]), responseCodes: [200]), finishedAt: 100, durationSeconds: 0.5)
        #expect(good.health.up == true)
        #expect(good.health.lastSuccessTime == 100)
        let decodeFailure = AccountSnapshot(account: account).applying(
            UsageFetchOutcome(result: .success([]), responseCodes: []), finishedAt: 0, durationSeconds: 0)
        #expect(decodeFailure.usage?.series.isEmpty == true)

        let source = DemoUsageSource(now: { 0 })
        let failed = good.applying(await source.fetchUsage(for: account), finishedAt: 200, durationSeconds: 0.1)
        #expect(failed.health.up == false)
        #expect(failed.health.errorsByReason[.apiError] == 1, "404 with an API error envelope")
        #expect(failed.health.errorsByReason[.auth] == 0)
        #expect(failed.health.lastSuccessTime == 100)
        #expect(failed.usage?.series.first?.contractedCost == 2)
        #expect(failed.health.requestsByStatusCode == [200: 1, 404: 1])
    }
}
