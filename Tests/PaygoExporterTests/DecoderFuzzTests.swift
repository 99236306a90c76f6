import Foundation
import Testing

@testable import PaygoExporter

/// Mutated real answers thrown at the decoder: it must return or throw its typed error,
/// never crash or hang. Seeded, so a failure reproduces.
@Suite struct DecoderFuzzTests {
    /// SplitMix64: small, fast and the same everywhere.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let fragments: [[UInt8]] = [
        "null", "true", "false", "0", "-1", "1e309", "-0.0", "\"\"", "\"\\u0000\"", "\"\\ud800\"", "[]", "{}", "{\"a\":",
        "\"2025-02-30T00:00:00Z\"", "\"ServiceName\"", "\"service_name\"", "\"ContractedCost\"", "1e-400", "9999999999999999999999",
        "\"\u{FEFF}\"", "\\", "\"", ",", ":", "]", "}", "\u{00}", "\"☁️\"",
    ].map { Array($0.utf8) }

    static func mutate(_ input: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            guard !bytes.isEmpty else { return fragments.randomElement(using: &random)! }
            let index = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes.remove(at: index)
            case 2: bytes.insert(contentsOf: fragments.randomElement(using: &random)!, at: index)
            case 3: bytes = Array(bytes[..<index])
            case 4:
                let end = min(bytes.count, index + Int.random(in: 1...64, using: &random))
                bytes.insert(contentsOf: bytes[index..<end], at: end)
            default:
                let other = Int.random(in: 0..<bytes.count, using: &random)
                bytes.swapAt(index, other)
            }
        }
        return bytes
    }

    /// Every mutated answer is read twice, by the decoder and by `ReferenceAnswerDecoder` (strict
    /// RFC 8259 syntax, Foundation's JSONSerialization, the documented field rules): the decoder
    /// must accept exactly the answers the reference accepts, decode them to the same records,
    /// and fail the others with its typed error. Seeded, so a disagreement reproduces.
    @Test func mutatedAnswersDecodeLikeAnIndependentReference() throws {
        let seeds: [[UInt8]] = [
            Array(try AnswerBuilder.fixture("paygo-example.json").utf8),
            Array(try AnswerBuilder.fixture("snake-case-with-nulls.json").utf8),
            Array(
                DemoUsageSource.answer(for: DemoUsageSource.accounts[0], at: 1_794_268_800, anchor: 1_736_899_200).body.utf8.prefix(6_000))
                + Array("]}".utf8),
        ]
        let decoder = PaygoAnswerDecoder()
        var random = SeededGenerator(state: 20_261_123)
        var accepted = 0, rejected = 0, undecidable = 0, acceptedRecords = 0
        var disagreements: [String] = []
        let iterations = Int(ProcessInfo.processInfo.environment["PAYGO_FUZZ_ITERATIONS"] ?? "") ?? 20_000
        for iteration in 0..<iterations {
            let input = Self.mutate(seeds.randomElement(using: &random)!, using: &random)
            let reference = ReferenceAnswerDecoder.decode(input)
            if reference == .undecidable {
                undecidable += 1
                continue
            }
            let ours: ReferenceAnswerDecoder.Verdict
            do throws(AnswerDecodingError) {
                let answer = try decoder.decode(input)
                ours = .accepted(success: answer.success, errors: answer.errors, records: answer.records)
            } catch {
                #expect(!error.description.isEmpty)
                ours = .rejected(error.description)
            }
            switch (ours, reference) {
            case (
                .accepted(let success, let errors, let records), .accepted(let referenceSuccess, let referenceErrors, let referenceRecords)
            ):
                accepted += 1
                acceptedRecords += records.count
                if success != referenceSuccess || errors != referenceErrors || !Self.sameRecords(records, referenceRecords) {
                    disagreements.append("iteration \(iteration): decoded differently from the reference")
                }
            case (.rejected, .rejected):
                rejected += 1
            case (.accepted, .rejected(let why)):
                disagreements.append("iteration \(iteration): accepted what the reference rejects (\(why))")
            case (.rejected(let why), _):
                disagreements.append("iteration \(iteration): rejected what the reference accepts (\(why))")
            default:
                break
            }
            if disagreements.count == 1, let first = disagreements.first, !first.hasSuffix("#") {
                // Keep the first input for the failure message; later ones only add to the count.
                disagreements[0] = first + ": " + String(decoding: input.prefix(2_000), as: UTF8.self) + " #"
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements; first: \(disagreements.first ?? "")")
        // A differential test means something only if both sides of it were exercised.
        #expect(rejected > iterations / 2, "most mutations break the answer")
        #expect(accepted > iterations / 50, "enough mutations stay valid to compare records")
        #expect(acceptedRecords >= accepted, "accepted answers carry records to compare")
        #expect(undecidable < iterations / 100)
    }

    /// Records agree field by field; times to the microsecond (a fraction of a second may round
    /// differently), everything else exactly.
    static func sameRecords(_ lhs: [UsageRecord], _ rhs: [UsageRecord]) -> Bool {
        func sameTime(_ a: Double?, _ b: Double?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case (let a?, let b?): abs(a - b) <= 1e-6
            default: false
            }
        }
        return lhs.count == rhs.count
            && zip(lhs, rhs).allSatisfy { a, b in
                a.billingCurrency.utf8.elementsEqual(b.billingCurrency.utf8) && a.serviceName.utf8.elementsEqual(b.serviceName.utf8)
                    && a.consumedUnit.utf8.elementsEqual(b.consumedUnit.utf8)
                    && sameTime(a.billingPeriodStart, b.billingPeriodStart) && sameTime(a.chargePeriodStart, b.chargePeriodStart)
                    && sameTime(a.chargePeriodEnd, b.chargePeriodEnd)
                    && a.contractedCost == b.contractedCost && a.consumedQuantity == b.consumedQuantity
                    && a.pricingQuantity == b.pricingQuantity
                    && a.cumulatedContractedCost == b.cumulatedContractedCost && a.cumulatedPricingQuantity == b.cumulatedPricingQuantity
            }
    }

    /// The reference itself must be right, or the differential test proves nothing.
    @Test func referenceReadsTheFixturesAsTheDocumentationSays() throws {
        let example = Array(try AnswerBuilder.fixture("paygo-example.json").utf8)
        guard case .accepted(true, _, let records) = ReferenceAnswerDecoder.decode(example) else {
            Issue.record("the reference rejected the documented example")
            return
        }
        #expect(Self.sameRecords(records, try PaygoAnswerDecoder().decode(example).records))
        #expect(!records.isEmpty)
        for (text, accepted) in [
            (#"{"success":true,"result":[1,]}"#, false),  // JSONSerialization alone would take it
            ("\u{FEFF}{\"success\":true,\"result\":[]}", false),
            (#"{"success":true,"result":[],"x":1e400}"#, true),  // JSONSerialization alone would refuse it
            (#"{"success":true,"result":[],"x":"\ud800"}"#, true),
            (#"{"success":true,"success":null,"result":[]}"#, false),  // the last duplicate counts
            (#"{"success":1,"result":[]}"#, false),
            (#"{"success":false}"#, true),
        ] {
            let isAccepted = if case .accepted = ReferenceAnswerDecoder.decode(Array(text.utf8)) { true } else { false }
            #expect(isAccepted == accepted, "\(text)")
        }
        #expect(ReferenceTimestamp.seconds("2025-02-01T00:00:00Z") == 1_738_368_000)
        #expect(ReferenceTimestamp.seconds("2024-02-29T12:00:00+01:00") == 1_709_204_400)
        #expect(ReferenceTimestamp.seconds("2025-02-29T00:00:00Z") == nil)
        #expect(ReferenceTimestamp.seconds("0000-03-01T00:00:00Z") == RFC3339Timestamp.parse("0000-03-01T00:00:00Z"))
    }

    @Test(arguments: [10, 1_000, 100_000])
    func deepNestingIsRejectedNotAStackOverflow(depth: Int) {
        let body = #"{"success":true,"result":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(throws: AnswerDecodingError.self) { try PaygoAnswerDecoder().decode(Array(body.utf8)) }
    }

    @Test func hugeStringsAndNumbersAreHandled() throws {
        let longName = String(repeating: "W", count: 1 << 20)
        let body = AnswerBuilder.success([AnswerBuilder.record(service: longName, cost: 1e308, consumed: 1e308)])
        let answer = try PaygoAnswerDecoder().decode(Array(body.utf8))
        #expect(answer.records.first?.serviceName.count == 1 << 20)
        let overflow =
            #"{"success":true,"result":[{"BillingCurrency":"USD","ChargePeriodStart":"2025-02-01T00:00:00Z","ChargePeriodEnd":"2025-02-02T00:00:00Z","ServiceName":"x","ContractedCost":1e400}]}"#
        #expect(throws: AnswerDecodingError.self) { try PaygoAnswerDecoder().decode(Array(overflow.utf8)) }
    }
}
