import Foundation
import PaygoExporter
import Testing

@Suite struct DecodingTests {
    let decoder = PaygoAnswerDecoder()

    @Test func documentedExampleDecodesExactly() throws {
        let answer = try decoder.decode(Array(try AnswerBuilder.fixture("paygo-example.json").utf8))
        #expect(answer.success)
        #expect(
            answer.records == [
                UsageRecord(
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
                    cumulatedPricingQuantity: 4_500_000)
            ])
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

    @Test(
        arguments: [
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
        #expect(CivilCalendar.formatDate(1_795_392_000 + 3_600) == "2026-11-23")
    }

    // MARK: The scanner is exact to RFC 8259

    @Test(arguments: [
        "[1,]", #"{"a":1,}"#, "01", "1.", ".5", "+1", "1e", "-", #""\x""#, "\"a\u{01}b\"", #""\u12g4""#, "tru", "nul",
        #"{"a" 1}"#, #"{1:2}"#, "[1 2]", String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
    ])
    func syntaxErrorsAnywhereRejectTheWholeAnswer(bad: String) {
        for body in [#"{"success":true,"result":[],"x":\#(bad)}"#, #"{"success":true,"result":[],"x":1} \#(bad)"#] {
            #expect(throws: AnswerDecodingError.self, "\(body)") { try decoder.decode(Array(body.utf8)) }
        }
    }

    @Test func invalidUTF8InAnyStringIsRejected() {
        var body = Array(#"{"success":true,"result":[],"x":"ok"}"#.utf8)
        body[body.count - 3] = 0xFF
        #expect(throws: AnswerDecodingError.self) { try decoder.decode(body) }
    }

    @Test func everyJSONValueKindIsSkippedInUnknownKeys() throws {
        let body = #"{"x":{"a":[1,-0.5e+3,true,false,null,"\u00e9\ud83d\ude00",{},[]]},"success":true,"result":[],"y":[[[]]]}"#
        #expect(try decoder.decode(Array(body.utf8)).success)
    }

    @Test func escapedStringsDecodeExactly() throws {
        var record = AnswerBuilder.record(service: "R2 \"Storage\" \\ é 😀 \u{1}")
        record["ConsumedUnit"] = "GB\nmonth"
        let answer = try decoder.decode(Array(AnswerBuilder.success([record]).utf8))
        #expect(answer.records.first?.serviceName == "R2 \"Storage\" \\ é 😀 \u{1}")
        #expect(answer.records.first?.consumedUnit == "GB\nmonth")
        let surrogates =
            #"{"success":true,"result":[{"ServiceName":"\ud83d\ude00 \u00e9","BillingCurrency":"USD","ChargePeriodStart":"2025-02-01T00:00:00Z","ChargePeriodEnd":"2025-02-02T00:00:00Z","ContractedCost":1}]}"#
        #expect(try decoder.decode(Array(surrogates.utf8)).records.first?.serviceName == "😀 é")
    }

    @Test func pascalCaseWinsAndNullFallsBackToSnakeCase() throws {
        var record = AnswerBuilder.record(service: "Pascal", cost: 2)
        record["service_name"] = "snake"
        record["contracted_cost"] = 3
        record["ConsumedQuantity"] = NSNull()
        record["consumed_quantity"] = 7
        let parsed = try #require(try decoder.decode(Array(AnswerBuilder.success([record]).utf8)).records.first)
        #expect(parsed.serviceName == "Pascal")
        #expect(parsed.contractedCost == 2)
        #expect(parsed.consumedQuantity == 7)
    }

    @Test func numbersConvertExactlyLikeTheStandardLibrary() throws {
        var generator = DecoderFuzzTests.SeededGenerator(state: 42)
        var texts = ["0", "-0", "1e2", "1E-2", "123456789012345678901234567890", "0.1", "0.30000000000000004", "1e-400", "4.9e-324"]
        for _ in 0..<5_000 {
            let value = Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF) * (Bool.random(using: &generator) ? 1 : -1)
            texts.append("\(value)")
            let money = Double(Int.random(in: 0..<100_000_000, using: &generator)) / 100
            texts.append(String(format: "%.2f", money))
            texts.append(String(format: "%.9f", money / 7))
        }
        for text in texts {
            let body = AnswerBuilder.success([AnswerBuilder.record()]).replacingOccurrences(
                of: #""ContractedCost":0.75"#, with: #""ContractedCost":\#(text)"#)
            let cost = try? decoder.decode(Array(body.utf8)).records.first?.contractedCost
            let expected = Double(text).flatMap { $0.isFinite ? $0 : nil }
            #expect(cost == expected, "\(text)")
        }
    }
}
