import PaygoExporter
import Testing

@Suite struct DecodingTests {
    let decoder = PaygoAnswerDecoder()

    @Test func documentedExampleDecodesExactly() throws {
        let answer = try decoder.decode(Array(try AnswerBuilder.fixture("paygo-example.json").utf8))
        #expect(answer.success)
        #expect(answer.records == [UsageRecord(
            billingCurrency: "USD",
            billingPeriodStart: 1_738_368_000,
            chargePeriodStart: 1_738_368_000,
            chargePeriodEnd: 1_738_454_400,
            serviceName: "Workers Standard",
            consumedUnit: "Requests",
            consumedQuantity: 150_000,
            pricingQuantity: 150_000,
            contractedCost: 0.75,
            cumulatedContractedCost: 2.25,
            cumulatedPricingQuantity: 4_500_000)])
    }

    @Test func snakeCaseNullsAndUnknownKeysAreTolerated() throws {
        let answer = try decoder.decode(Array(try AnswerBuilder.fixture("snake-case-with-nulls.json").utf8))
        let record = try #require(answer.records.first)
        #expect(record.serviceName == "R2 Storage")
        #expect(record.billingCurrency == "EUR")
        #expect(record.consumedUnit == "")
        #expect(record.consumedQuantity == nil)
        #expect(record.cumulatedContractedCost == nil)
        #expect(record.pricingQuantity == 12)
        #expect(record.cumulatedPricingQuantity == 36)
        #expect(record.contractedCost == 0.18)
    }

    @Test func emptyResultIsAValidAnswer() throws {
        let answer = try decoder.decode(Array(#"{"success":true,"errors":[],"messages":[],"result":[]}"#.utf8))
        #expect(answer.success)
        #expect(answer.records.isEmpty)
    }

    @Test func failureEnvelopeKeepsItsErrors() throws {
        let answer = try decoder.decode(Array(AnswerBuilder.failure(code: 10000, message: "Authentication error").utf8))
        #expect(!answer.success)
        #expect(answer.errors == [.init(code: 10000, message: "Authentication error")])
    }

    @Test func extremeNumbersKeepFullPrecision() throws {
        let body = AnswerBuilder.success([AnswerBuilder.record(cost: 0.000_000_001, consumed: 1_000_000_000_000)])
        let record = try #require(try decoder.decode(Array(body.utf8)).records.first)
        #expect(record.contractedCost == 1e-9)
        #expect(record.consumedQuantity == 1e12)
    }

    @Test(arguments: [
        ("", "not a JSON"),
        (#"{"success":true,"result":[{"BillingCurrency":"USD""#, "not a JSON"),
        ("<html><body>502 Bad Gateway</body></html>", "not a JSON"),
        ("[]", "not a JSON"),
        (#"{"result":[]}"#, "success"),
        (#"{"success":true}"#, "result"),
        (#"{"success":true,"result":{"a":1}}"#, "result"),
    ])
    func malformedBodiesAreTypedErrors(body: String, mentions: String) {
        do {
            _ = try decoder.decode(Array(body.utf8))
            Issue.record("decoded \(body)")
        } catch {
            #expect(error.description.contains(mentions), "\(error)")
        }
    }

    @Test(arguments: [
        ["ChargePeriodStart": "2025-02-30T00:00:00Z"],
        ["ChargePeriodStart": "yesterday"],
        ["ChargePeriodEnd": "2025-02-01"],
        ["BillingPeriodStart": "2025-13-01T00:00:00Z"],
        ["ChargePeriodEnd": "2025-01-01T00:00:00Z"],
        ["ContractedCost": "a lot"],
        ["BillingCurrency": ""],
        ["ServiceName": 42],
    ] as [[String: any Sendable]])
    func invalidFieldsNameTheField(extra: [String: any Sendable]) {
        let body = AnswerBuilder.success([AnswerBuilder.record(extra: extra)])
        do {
            _ = try decoder.decode(Array(body.utf8))
            Issue.record("decoded \(extra)")
        } catch {
            #expect(error.description.contains("$.result[0]"), "\(error)")
        }
    }

    @Test func missingRequiredFieldIsReported() {
        var record = AnswerBuilder.record()
        record["ContractedCost"] = nil
        do {
            _ = try decoder.decode(Array(AnswerBuilder.success([record]).utf8))
            Issue.record("decoded a record without ContractedCost")
        } catch {
            #expect(error.description.contains("ContractedCost"))
        }
    }

    @Test func rfc3339Variants() {
        #expect(RFC3339Timestamp.parse("2025-02-01T00:00:00Z") == 1_738_368_000)
        #expect(RFC3339Timestamp.parse("2025-02-01T01:00:00+01:00") == 1_738_368_000)
        #expect(RFC3339Timestamp.parse("2025-01-31T19:00:00-05:00") == 1_738_368_000)
        #expect(RFC3339Timestamp.parse("2025-02-01T00:00:00.5Z") == 1_738_368_000.5)
        #expect(RFC3339Timestamp.parse("2024-02-29T00:00:00z") == 1_709_164_800)
        #expect(RFC3339Timestamp.parse("2025-02-29T00:00:00Z") == nil)
        #expect(RFC3339Timestamp.parse("2025-02-01T24:00:00Z") == nil)
        #expect(RFC3339Timestamp.parse("2025-02-01T00:00:00") == nil)
        #expect(RFC3339Timestamp.parse("2025-02-01T00:00:00.Z") == nil)
        #expect(RFC3339Timestamp.parseDate("2026-11-23") == 1_795_392_000)
        #expect(RFC3339Timestamp.formatDate(1_795_392_000 + 3_600) == "2026-11-23")
    }
}
