import Foundation
@testable import PaygoExporter
import Testing

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

    @Test func mutatedAnswersNeverCrashAndFailTyped() throws {
        let seeds: [[UInt8]] = [
            Array(try AnswerBuilder.fixture("paygo-example.json").utf8),
            Array(try AnswerBuilder.fixture("snake-case-with-nulls.json").utf8),
            Array(DemoUsageSource.answer(for: DemoUsageSource.accounts[1], at: 1_794_268_800, billingDay: 15).body.utf8.prefix(6_000)) + Array("]}".utf8),
        ]
        let decoder = PaygoAnswerDecoder()
        var random = SeededGenerator(state: 20_261_123)
        var accepted = 0, rejected = 0
        let iterations = Int(ProcessInfo.processInfo.environment["PAYGO_FUZZ_ITERATIONS"] ?? "") ?? 20_000
        let start = ContinuousClock.now
        for _ in 0..<iterations {
            let input = Self.mutate(seeds.randomElement(using: &random)!, using: &random)
            do throws(PaygoDecodingError) {
                let answer = try decoder.decode(input)
                accepted += 1
                for record in answer.records {
                    #expect(record.chargePeriodEnd >= record.chargePeriodStart)
                    #expect(record.contractedCost.isFinite)
                }
            } catch {
                rejected += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(accepted + rejected == iterations)
        #expect(rejected > iterations / 2, "most mutations break the answer")
        #expect(ContinuousClock.now - start < .seconds(60), "no input makes the decoder crawl")
    }

    @Test(arguments: [10, 1_000, 100_000])
    func deepNestingIsRejectedNotAStackOverflow(depth: Int) {
        let body = #"{"success":true,"result":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(throws: PaygoDecodingError.self) { try PaygoAnswerDecoder().decode(Array(body.utf8)) }
    }

    @Test func hugeStringsAndNumbersAreHandled() throws {
        let longName = String(repeating: "W", count: 1 << 20)
        let body = AnswerBuilder.success([AnswerBuilder.record(service: longName, cost: 1e308, consumed: 1e308)])
        let answer = try PaygoAnswerDecoder().decode(Array(body.utf8))
        #expect(answer.records.first?.serviceName.count == 1 << 20)
        let overflow = #"{"success":true,"result":[{"BillingCurrency":"USD","ChargePeriodStart":"2025-02-01T00:00:00Z","ChargePeriodEnd":"2025-02-02T00:00:00Z","ServiceName":"x","ContractedCost":1e400}]}"#
        #expect(throws: PaygoDecodingError.self) { try PaygoAnswerDecoder().decode(Array(overflow.utf8)) }
    }
}
