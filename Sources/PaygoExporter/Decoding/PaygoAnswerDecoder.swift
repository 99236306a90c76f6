import Foundation

/// Turns a response body into a `PaygoAnswer`.
///
/// Accepts both key spellings (PascalCase on the wire, snake_case from SDKs and some proxies),
/// ignores unknown keys, reads null or missing optional columns as absent, and checks dates and
/// periods so a malformed answer is rejected as a whole rather than half-used.
public struct PaygoAnswerDecoder: Sendable {
    public init() {}

    public func decode(_ body: some Collection<UInt8>) throws(PaygoDecodingError) -> PaygoAnswer {
        let data = Data(body)
        do {
            return try JSONDecoder().decode(WireEnvelope.self, from: data).answer
        } catch let error as PaygoDecodingError {
            throw error
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw .notJSON("malformed or truncated JSON")
        } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
            throw .notJSON("the top level is not an object")
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch {
            throw .notJSON("unreadable body")
        }
    }

    private static func describe(_ error: DecodingError) -> PaygoDecodingError {
        switch error {
        case .keyNotFound(let key, let context):
            return .invalidField(path: path(context.codingPath + [key]), problem: "is missing")
        case .valueNotFound(_, let context):
            return .invalidField(path: path(context.codingPath), problem: "is null")
        case .typeMismatch(let type, let context):
            return .invalidField(path: path(context.codingPath), problem: "is not a \(type)")
        case .dataCorrupted(let context):
            return .invalidField(path: path(context.codingPath), problem: context.debugDescription)
        @unknown default:
            return .notJSON("unreadable body")
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = "$"
        for key in codingPath {
            if let index = key.intValue { text += "[\(index)]" } else { text += "." + key.stringValue }
        }
        return text
    }
}

/// A key looked up under either spelling.
private struct FlexibleKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private extension KeyedDecodingContainer<FlexibleKey> {
    /// The first spelling present with a non-null value, or nil.
    func key(_ pascal: String, _ snake: String) throws -> FlexibleKey? {
        for spelling in [pascal, snake] {
            let key = FlexibleKey(stringValue: spelling)
            if contains(key), try !decodeNil(forKey: key) { return key }
        }
        return nil
    }

    func optionalString(_ pascal: String, _ snake: String) throws -> String? {
        guard let key = try key(pascal, snake) else { return nil }
        return try decode(String.self, forKey: key)
    }

    func requiredString(_ pascal: String, _ snake: String) throws -> String {
        guard let value = try optionalString(pascal, snake) else { throw missing(pascal) }
        return value
    }

    /// Numbers are numbers on the wire; a decimal string is accepted too, as some gateways
    /// re-encode money that way.
    func optionalNumber(_ pascal: String, _ snake: String) throws -> Double? {
        guard let key = try key(pascal, snake) else { return nil }
        if let number = try? decode(Double.self, forKey: key) { return number }
        if let text = try? decode(String.self, forKey: key), let number = Double(text), number.isFinite { return number }
        throw PaygoDecodingError.invalidField(path: PaygoAnswerDecoder.path(codingPath + [key]), problem: "is not a number")
    }

    func requiredNumber(_ pascal: String, _ snake: String) throws -> Double {
        guard let value = try optionalNumber(pascal, snake) else { throw missing(pascal) }
        return value
    }

    func optionalTimestamp(_ pascal: String, _ snake: String) throws -> Double? {
        guard let key = try key(pascal, snake) else { return nil }
        let text = try decode(String.self, forKey: key)
        guard let seconds = RFC3339Timestamp.parse(text) else {
            throw PaygoDecodingError.invalidField(
                path: PaygoAnswerDecoder.path(codingPath + [key]), problem: "is not an RFC 3339 time")
        }
        return seconds
    }

    func requiredTimestamp(_ pascal: String, _ snake: String) throws -> Double {
        guard let value = try optionalTimestamp(pascal, snake) else { throw missing(pascal) }
        return value
    }

    func missing(_ pascal: String) -> PaygoDecodingError {
        .invalidField(path: PaygoAnswerDecoder.path(codingPath + [FlexibleKey(stringValue: pascal)]), problem: "is missing or null")
    }
}

private struct WireEnvelope: Decodable {
    let answer: PaygoAnswer

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: FlexibleKey.self)
        guard let successKey = try container.key("success", "Success") else { throw container.missing("success") }
        let success = try container.decode(Bool.self, forKey: successKey)
        var errors: [PaygoAnswer.APIMessage] = []
        if let errorsKey = try container.key("errors", "Errors") {
            errors = try container.decode([WireMessage?].self, forKey: errorsKey).compactMap { $0?.message }
        }
        var records: [UsageRecord] = []
        if let resultKey = try container.key("result", "Result") {
            records = try container.decode([WireRecord].self, forKey: resultKey).map(\.record)
        } else if success {
            throw container.missing("result")
        }
        answer = PaygoAnswer(success: success, errors: errors, records: records)
    }
}

private struct WireMessage: Decodable {
    let message: PaygoAnswer.APIMessage

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: FlexibleKey.self)
        let code: Int? = if let key = try container.key("code", "Code") { try? container.decode(Int.self, forKey: key) } else { nil }
        message = .init(code: code, message: (try? container.optionalString("message", "Message")) ?? "")
    }
}

private struct WireRecord: Decodable {
    let record: UsageRecord

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: FlexibleKey.self)
        let chargeStart = try c.requiredTimestamp("ChargePeriodStart", "charge_period_start")
        let chargeEnd = try c.requiredTimestamp("ChargePeriodEnd", "charge_period_end")
        guard chargeEnd >= chargeStart else {
            throw PaygoDecodingError.invalidField(
                path: PaygoAnswerDecoder.path(c.codingPath), problem: "has ChargePeriodEnd before ChargePeriodStart")
        }
        let currency = try c.requiredString("BillingCurrency", "billing_currency")
        guard !currency.isEmpty else {
            throw PaygoDecodingError.invalidField(
                path: PaygoAnswerDecoder.path(c.codingPath + [FlexibleKey(stringValue: "BillingCurrency")]), problem: "is empty")
        }
        record = UsageRecord(
            billingCurrency: currency,
            billingPeriodStart: try c.optionalTimestamp("BillingPeriodStart", "billing_period_start"),
            chargePeriodStart: chargeStart,
            chargePeriodEnd: chargeEnd,
            serviceName: try c.requiredString("ServiceName", "service_name"),
            consumedUnit: try c.optionalString("ConsumedUnit", "consumed_unit") ?? "",
            consumedQuantity: try c.optionalNumber("ConsumedQuantity", "consumed_quantity"),
            pricingQuantity: try c.optionalNumber("PricingQuantity", "pricing_quantity"),
            contractedCost: try c.requiredNumber("ContractedCost", "contracted_cost"),
            cumulatedContractedCost: try c.optionalNumber("CumulatedContractedCost", "cumulated_contracted_cost"),
            cumulatedPricingQuantity: try c.optionalNumber("CumulatedPricingQuantity", "cumulated_pricing_quantity")
        )
    }
}
