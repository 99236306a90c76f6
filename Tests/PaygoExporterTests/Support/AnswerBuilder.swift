import Foundation

/// Builds Cloudflare-shaped JSON answers for tests, with proper JSON escaping of any text.
enum AnswerBuilder {
    static func record(
        service: String = "Workers Standard",
        unit: String? = "Requests",
        currency: String = "USD",
        day: Int = 1,
        cost: Double = 0.75,
        cumulatedCost: Double? = 2.25,
        consumed: Double? = 150_000,
        pricing: Double? = 150_000,
        cumulatedPricing: Double? = 4_500_000,
        extra: [String: Any] = [:]
    ) -> [String: Any] {
        var record: [String: Any] = [
            "BillingCurrency": currency,
            "BillingPeriodStart": "2025-02-01T00:00:00Z",
            "ChargePeriodStart": String(format: "2025-02-%02dT00:00:00Z", day),
            "ChargePeriodEnd": String(format: "2025-02-%02dT00:00:00Z", day + 1),
            "ServiceName": service,
            "ContractedCost": cost,
            "ConsumedUnit": unit.map { $0 as Any } ?? NSNull(),
            "ConsumedQuantity": consumed.map { $0 as Any } ?? NSNull(),
            "PricingQuantity": pricing.map { $0 as Any } ?? NSNull(),
            "CumulatedContractedCost": cumulatedCost.map { $0 as Any } ?? NSNull(),
            "CumulatedPricingQuantity": cumulatedPricing.map { $0 as Any } ?? NSNull(),
        ]
        record.merge(extra) { _, new in new }
        return record
    }

    static func success(_ records: [[String: Any]]) -> String {
        json(["success": true, "errors": [Any](), "messages": [Any](), "result": records])
    }

    static func failure(code: Int, message: String) -> String {
        json(["success": false, "errors": [["code": code, "message": message]], "messages": [Any](), "result": NSNull()])
    }

    static func json(_ object: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// `paygo-example.json`, Cloudflare's documented answer.
    static var documentedExample: String { (try? fixture("paygo-example.json")) ?? "" }

    static func fixture(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw TestFailure("fixture \(name) missing")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
