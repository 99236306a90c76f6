import Foundation

@testable import PaygoExporter

/// An independent reading of a PayGo answer, for the differential fuzz test: JSON syntax is
/// checked by a strict RFC 8259 validator of its own, values are parsed by Foundation's
/// `JSONSerialization`, and the fields are read by the rules `PaygoAnswerDecoder` documents,
/// written again from the documentation rather than from its code.
///
/// `JSONSerialization` is lenient where RFC 8259 is strict (it takes `[1,]` and a byte-order
/// mark) and strict where the RFC is lenient (it refuses lone surrogate escapes and numbers
/// beyond Double's range anywhere in a document, even in keys the decoder skips). So the
/// validator decides syntax and hands `JSONSerialization` a normalised copy: every number as a
/// tagged string holding its exact text, every lone surrogate as a marker that makes any field
/// holding it an invalid string.
enum ReferenceAnswerDecoder {
    enum Verdict: Equatable {
        case accepted(success: Bool, errors: [APIMessage], records: [UsageRecord])
        case rejected(String)
        /// The input holds U+E000 or U+E001 itself, which the normalised copy uses as markers.
        case undecidable
    }

    /// Marks a number's text in the normalised copy.
    static let numberTag: Character = "\u{E001}"
    /// Stands for a lone surrogate escape in the normalised copy.
    static let loneSurrogate: Character = "\u{E000}"

    static func decode(_ bytes: [UInt8]) -> Verdict {
        guard let text = String(validating: bytes, as: UTF8.self) else { return .rejected("not UTF-8") }
        let lowered = text.lowercased()
        if text.contains(loneSurrogate) || text.contains(numberTag) || lowered.contains("\\ue000") || lowered.contains("\\ue001") {
            return .undecidable
        }
        var validator = StrictJSON(bytes)
        guard let normalised = validator.normalisedDocument() else { return .rejected("not RFC 8259 JSON") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(normalised)) else {
            return .rejected("JSONSerialization refused the normalised document")
        }
        guard let top = object as? [String: Any] else { return .rejected("the top level is not an object") }
        do {
            return try readEnvelope(top)
        } catch {
            return .rejected(error.description)
        }
    }

    struct Refusal: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// A value as the field rules see it.
    private enum Field {
        case null, bool(Bool), number(String), string(String), array([Any]), object([String: Any])

        init(_ value: Any) {
            switch value {
            case is NSNull: self = .null
            case let text as String:
                if text.first == ReferenceAnswerDecoder.numberTag { self = .number(String(text.dropFirst())) } else { self = .string(text) }
            case let array as [Any]: self = .array(array)
            case let object as [String: Any]: self = .object(object)
            // Every number became a tagged string, so an NSNumber here is a JSON boolean.
            case let number as NSNumber: self = .bool(number.boolValue)
            default: self = .null
            }
        }
    }

    /// The first spelling present with a non-null value.
    private static func firstSet(_ spellings: [String], in object: [String: Any]) -> Field? {
        for spelling in spellings {
            if let value = object[spelling] {
                let field = Field(value)
                if case .null = field { continue }
                return field
            }
        }
        return nil
    }

    private static func readEnvelope(_ top: [String: Any]) throws(Refusal) -> Verdict {
        guard let success = firstSet(["success", "Success"], in: top) else { throw Refusal("success missing") }
        guard case .bool(let isSuccess) = success else { throw Refusal("success not a Bool") }
        var messages: [APIMessage] = []
        if let errors = firstSet(["errors", "Errors"], in: top) {
            guard case .array(let list) = errors else { throw Refusal("errors not a list") }
            for element in list {
                switch Field(element) {
                case .null: messages.append(.init(code: nil, message: ""))
                case .object(let fields): messages.append(message(fields))
                default: throw Refusal("an error is not an object")
                }
            }
        }
        var records: [UsageRecord] = []
        if let result = firstSet(["result", "Result"], in: top) {
            guard case .array(let list) = result else { throw Refusal("result not a list") }
            for element in list {
                guard case .object(let fields) = Field(element) else { throw Refusal("a record is not an object") }
                records.append(try record(fields))
            }
        } else if isSuccess {
            throw Refusal("result missing on success")
        }
        return .accepted(success: isSuccess, errors: messages, records: records)
    }

    /// Lenient: an integral number code, a valid string message, lower case first.
    private static func message(_ fields: [String: Any]) -> APIMessage {
        func code(_ key: String) -> Int? {
            guard let value = fields[key], case .number(let text) = Field(value), let number = Double(text), number.isFinite else {
                return nil
            }
            return Int(exactly: number)
        }
        func text(_ key: String) -> String? {
            guard let value = fields[key], case .string(let text) = Field(value), !text.contains(loneSurrogate) else { return nil }
            return text
        }
        return .init(code: code("code") ?? code("Code"), message: text("message") ?? text("Message") ?? "")
    }

    private static func record(_ fields: [String: Any]) throws(Refusal) -> UsageRecord {
        func column(_ pascal: String, _ snake: String) -> Field? { firstSet([pascal, snake], in: fields) }
        func text(_ pascal: String, _ snake: String) throws(Refusal) -> String? {
            guard let field = column(pascal, snake) else { return nil }
            guard case .string(let text) = field, !text.contains(loneSurrogate) else { throw Refusal("\(pascal) not a valid string") }
            return text
        }
        func number(_ pascal: String, _ snake: String) throws(Refusal) -> Double? {
            guard let field = column(pascal, snake) else { return nil }
            let text: String
            switch field {
            case .number(let digits): text = digits
            case .string(let string) where !string.contains(loneSurrogate): text = string
            default: throw Refusal("\(pascal) not a number")
            }
            guard let value = Double(text), value.isFinite else { throw Refusal("\(pascal) not a finite number") }
            return value
        }
        func time(_ pascal: String, _ snake: String) throws(Refusal) -> Double? {
            guard let text = try text(pascal, snake) else { return nil }
            guard let seconds = ReferenceTimestamp.seconds(text) else { throw Refusal("\(pascal) not an RFC 3339 time") }
            return seconds
        }
        guard let start = try time("ChargePeriodStart", "charge_period_start") else { throw Refusal("ChargePeriodStart missing") }
        guard let end = try time("ChargePeriodEnd", "charge_period_end") else { throw Refusal("ChargePeriodEnd missing") }
        guard end >= start else { throw Refusal("charge period ends before it starts") }
        guard let currency = try text("BillingCurrency", "billing_currency"), !currency.isEmpty else {
            throw Refusal("currency missing or empty")
        }
        guard let service = try text("ServiceName", "service_name") else { throw Refusal("ServiceName missing") }
        guard let cost = try number("ContractedCost", "contracted_cost") else { throw Refusal("ContractedCost missing") }
        return UsageRecord(
            billingCurrency: currency,
            billingPeriodStart: try time("BillingPeriodStart", "billing_period_start"),
            chargePeriodStart: start,
            chargePeriodEnd: end,
            serviceName: service,
            consumedUnit: try text("ConsumedUnit", "consumed_unit") ?? "",
            consumedQuantity: try number("ConsumedQuantity", "consumed_quantity"),
            pricingQuantity: try number("PricingQuantity", "pricing_quantity"),
            contractedCost: cost,
            cumulatedContractedCost: try number("CumulatedContractedCost", "cumulated_contracted_cost"),
            cumulatedPricingQuantity: try number("CumulatedPricingQuantity", "cumulated_pricing_quantity"),
            details: details(text: text, number: number, cost: cost))
    }

    /// The newer columns: a value of the wrong type reads as absent rather than refusing.
    private static func details(
        text: (String, String) throws(Refusal) -> String?, number: (String, String) throws(Refusal) -> Double?, cost: Double
    ) -> UsageRecord.Details {
        func lenientText(_ pascal: String, _ snake: String) -> String? {
            do { return try text(pascal, snake) } catch { return nil }
        }
        func differs(_ pascal: String, _ snake: String) -> Bool {
            do { return try number(pascal, snake).map { $0 != cost } ?? false } catch { return false }
        }
        return UsageRecord.Details(
            billingAccountName: lenientText("BillingAccountName", "billing_account_name"),
            serviceFamily: lenientText("ServiceFamilyName", "service_family_name"),
            pricingUnit: lenientText("PricingUnit", "pricing_unit"), zoneID: lenientText("ZoneId", "zone_id"),
            zoneName: lenientText("ZoneName", "zone_name"),
            otherCostDiffers: differs("BilledCost", "billed_cost") || differs("EffectiveCost", "effective_cost")
                || differs("ListCost", "list_cost"))
    }
}

/// RFC 3339 date-times as the README documents them (`T`, `t` or a space between date and
/// time, an optional fraction, `Z`, `z` or `±HH:MM`; a leap second reads as :59), computed with
/// the usual days-before-year formula rather than the exporter's civil-date algorithm.
enum ReferenceTimestamp {
    static func seconds(_ text: String) -> Double? {
        let characters = Array(text.utf8)
        func digits(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= characters.count else { return nil }
            var value = 0
            for byte in characters[from..<(from + count)] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard characters.count >= 20, let year = digits(0, 4), characters[4] == 0x2D, let month = digits(5, 2), characters[7] == 0x2D,
            let day = digits(8, 2), [0x54, 0x74, 0x20].contains(characters[10]), let hour = digits(11, 2), characters[13] == 0x3A,
            let minute = digits(14, 2), characters[16] == 0x3A, let second = digits(17, 2),
            (1...12).contains(month), (1...daysIn(month, of: year)).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if characters[index] == 0x2E {
            let start = index + 1
            index = start
            while index < characters.count, (0x30...0x39).contains(characters[index]) { index += 1 }
            guard index > start, let value = Double("0." + String(decoding: characters[start..<index], as: UTF8.self)) else { return nil }
            fraction = value
        }
        guard index < characters.count else { return nil }
        var offset = 0
        switch characters[index] {
        case 0x5A, 0x7A:
            guard index + 1 == characters.count else { return nil }
        case 0x2B, 0x2D:
            guard index + 6 == characters.count, let hours = digits(index + 1, 2), characters[index + 3] == 0x3A,
                let minutes = digits(index + 4, 2), hours < 24, minutes < 60
            else { return nil }
            offset = (hours * 3_600 + minutes * 60) * (characters[index] == 0x2D ? -1 : 1)
        default:
            return nil
        }
        let days = daysBefore(year: year) - daysBefore(year: 1970) + dayOfYear(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3_600 + minute * 60 + min(second, 59) - offset) + fraction
    }

    private static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    private static func daysIn(_ month: Int, of year: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Days from 0001-01-01 to the first of `year` (negative for year 0, a leap year).
    private static func daysBefore(year: Int) -> Int {
        let previous = year - 1
        func floorDivide(_ value: Int, _ divisor: Int) -> Int { value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor) }
        return 365 * previous + floorDivide(previous, 4) - floorDivide(previous, 100) + floorDivide(previous, 400)
    }

    private static func dayOfYear(year: Int, month: Int, day: Int) -> Int {
        (1..<month).reduce(0) { $0 + daysIn($1, of: year) } + day - 1
    }
}

/// A strict RFC 8259 validator that writes a normalised copy for `JSONSerialization`: numbers
/// become strings tagged with `ReferenceAnswerDecoder.numberTag` and holding their exact text,
/// lone surrogate escapes become `ReferenceAnswerDecoder.loneSurrogate`.
private struct StrictJSON {
    private let input: [UInt8]
    private var index = 0
    private var output: [UInt8] = []
    private static let maximumDepth = 512

    init(_ input: [UInt8]) {
        self.input = input
        output.reserveCapacity(input.count + input.count / 4)
    }

    mutating func normalisedDocument() -> [UInt8]? {
        skipWhitespace()
        guard peek == UInt8(ascii: "{"), value(depth: 0) else { return nil }
        skipWhitespace()
        return index == input.count ? output : nil
    }

    private var peek: UInt8? { index < input.count ? input[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = peek, [0x20, 0x0A, 0x0D, 0x09].contains(byte) { index += 1 }
    }

    private mutating func emit(_ text: String) { output.append(contentsOf: text.utf8) }

    private mutating func value(depth: Int) -> Bool {
        skipWhitespace()
        guard let byte = peek else { return false }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < Self.maximumDepth else { return false }
            let isObject = byte == UInt8(ascii: "{")
            let closing = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            output.append(byte)
            index += 1
            skipWhitespace()
            if peek == closing {
                output.append(closing)
                index += 1
                return true
            }
            while true {
                if isObject {
                    skipWhitespace()
                    guard peek == UInt8(ascii: "\""), string() else { return false }
                    skipWhitespace()
                    guard peek == UInt8(ascii: ":") else { return false }
                    output.append(UInt8(ascii: ":"))
                    index += 1
                }
                guard value(depth: depth + 1) else { return false }
                skipWhitespace()
                if peek == closing {
                    output.append(closing)
                    index += 1
                    return true
                }
                guard peek == UInt8(ascii: ",") else { return false }
                output.append(UInt8(ascii: ","))
                index += 1
            }
        case UInt8(ascii: "\""):
            return string()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default:
            return number()
        }
    }

    private mutating func literal(_ word: String) -> Bool {
        let bytes = Array(word.utf8)
        guard index + bytes.count <= input.count, Array(input[index..<(index + bytes.count)]) == bytes else { return false }
        output.append(contentsOf: bytes)
        index += bytes.count
        return true
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, written out as a tagged string.
    private mutating func number() -> Bool {
        let start = index
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { (0x30...0x39).contains($0) } ?? false }
        if peek == UInt8(ascii: "-") { index += 1 }
        guard isDigit(peek) else { return false }
        if peek == UInt8(ascii: "0") {
            index += 1
        } else {
            while isDigit(peek) { index += 1 }
        }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard isDigit(peek) else { return false }
            while isDigit(peek) { index += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard isDigit(peek) else { return false }
            while isDigit(peek) { index += 1 }
        }
        emit("\"\\ue001")
        output.append(contentsOf: input[start..<index])
        emit("\"")
        return true
    }

    private mutating func hex4(at position: Int) -> UInt32? {
        guard position + 4 <= input.count else { return nil }
        var value: UInt32 = 0
        for byte in input[position..<(position + 4)] {
            guard let digit = Character(UnicodeScalar(byte)).hexDigitValue else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private mutating func string() -> Bool {
        output.append(UInt8(ascii: "\""))
        index += 1
        while let byte = peek {
            switch byte {
            case UInt8(ascii: "\""):
                output.append(byte)
                index += 1
                return true
            case 0x00..<0x20:
                return false
            case UInt8(ascii: "\\"):
                guard index + 1 < input.count else { return false }
                let escape = input[index + 1]
                if "\"\\/bfnrt".utf8.contains(escape) {
                    output.append(contentsOf: input[index...(index + 1)])
                    index += 2
                    continue
                }
                guard escape == UInt8(ascii: "u"), let unit = hex4(at: index + 2) else { return false }
                if (0xD800...0xDBFF).contains(unit), input.count >= index + 12,
                    input[index + 6] == UInt8(ascii: "\\"), input[index + 7] == UInt8(ascii: "u"),
                    let low = hex4(at: index + 8), (0xDC00...0xDFFF).contains(low)
                {
                    output.append(contentsOf: input[index..<(index + 12)])
                    index += 12
                } else if (0xD800...0xDFFF).contains(unit) {
                    emit("\\ue000")
                    index += 6
                } else {
                    output.append(contentsOf: input[index..<(index + 6)])
                    index += 6
                }
            default:
                output.append(byte)
                index += 1
            }
        }
        return false
    }
}
