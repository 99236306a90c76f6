/// Reads one usage record object: finds the columns it knows under either spelling, then
/// converts and checks them.
///
/// Reused across the records of an answer, so its slots and its small caches are allocated
/// once: records repeat the same keys in the same order, the same few timestamps and the same
/// service, unit and currency names.
struct UsageRecordFields: EnvelopeElementReader {
    /// Every column of the 27 the current path sends, so that the key order of one record
    /// predicts the next one's for all of them; those the exporter does not use are located
    /// and skipped.
    private enum Column: Int, CaseIterable {
        case billingCurrency, billingPeriodStart, chargePeriodStart, chargePeriodEnd, serviceName, consumedUnit
        case consumedQuantity, pricingQuantity, contractedCost, cumulatedContractedCost, cumulatedPricingQuantity
        case billedCost, effectiveCost, listCost, billingAccountName, serviceFamilyName, pricingUnit, zoneID, zoneName
        case billingAccountID, chargeCategory, chargeClass, chargeDescription, hostProviderName, invoiceIssuerName
        case serviceProviderName, subscriptionID

        var spellings: (pascal: String, snake: String) {
            switch self {
            case .billingCurrency: ("BillingCurrency", "billing_currency")
            case .billingPeriodStart: ("BillingPeriodStart", "billing_period_start")
            case .chargePeriodStart: ("ChargePeriodStart", "charge_period_start")
            case .chargePeriodEnd: ("ChargePeriodEnd", "charge_period_end")
            case .serviceName: ("ServiceName", "service_name")
            case .consumedUnit: ("ConsumedUnit", "consumed_unit")
            case .consumedQuantity: ("ConsumedQuantity", "consumed_quantity")
            case .pricingQuantity: ("PricingQuantity", "pricing_quantity")
            case .contractedCost: ("ContractedCost", "contracted_cost")
            case .cumulatedContractedCost: ("CumulatedContractedCost", "cumulated_contracted_cost")
            case .cumulatedPricingQuantity: ("CumulatedPricingQuantity", "cumulated_pricing_quantity")
            case .billedCost: ("BilledCost", "billed_cost")
            case .effectiveCost: ("EffectiveCost", "effective_cost")
            case .listCost: ("ListCost", "list_cost")
            case .billingAccountName: ("BillingAccountName", "billing_account_name")
            case .serviceFamilyName: ("ServiceFamilyName", "service_family_name")
            case .pricingUnit: ("PricingUnit", "pricing_unit")
            case .zoneID: ("ZoneId", "zone_id")
            case .zoneName: ("ZoneName", "zone_name")
            case .billingAccountID: ("BillingAccountId", "billing_account_id")
            case .chargeCategory: ("ChargeCategory", "charge_category")
            case .chargeClass: ("ChargeClass", "charge_class")
            case .chargeDescription: ("ChargeDescription", "charge_description")
            case .hostProviderName: ("HostProviderName", "host_provider_name")
            case .invoiceIssuerName: ("InvoiceIssuerName", "invoice_issuer_name")
            case .serviceProviderName: ("ServiceProviderName", "service_provider_name")
            case .subscriptionID: ("SubscriptionId", "subscription_id")
            }
        }
    }

    /// Every spelling's bytes; slot `2 * column` is PascalCase, `2 * column + 1` snake_case.
    private static let keys: [(bytes: [UInt8], name: String)] = Column.allCases.flatMap { column in
        [column.spellings.pascal, column.spellings.snake].map { (Array($0.utf8), $0) }
    }

    private var slots = [JSONScanner.Value?](repeating: nil, count: keys.count)
    /// Per slot, the slot whose key followed it last time: records repeat one key order.
    private var followers = [Int](repeating: 0, count: keys.count + 1)
    /// The slot of the previous key in this record; `keys.count` at a record's start.
    private var previousSlot = keys.count
    /// One cache per column: a record's names differ from column to column but repeat down it.
    private var texts = [RecentTexts](repeating: RecentTexts(), count: Column.allCases.count)

    mutating func readElement(_ scanner: inout JSONScanner, path: ElementPath) throws(AnswerDecodingError) -> UsageRecord {
        let value = try scanner.value()
        guard case .object = value else {
            try scanner.skipContents(of: value)
            throw .invalidField(path: path.text(), problem: "is not an object")
        }
        for index in slots.indices { slots[index] = nil }
        previousSlot = Self.keys.count
        var first = true
        while try scanner.hasNextElement(closing: UInt8(ascii: "}"), first: first) {
            first = false
            let (keyRange, escaped) = try scanner.key()
            let value = try scanner.value()
            try scanner.skipContents(of: value)
            if let slot = slot(for: keyRange, escaped: escaped, in: scanner) { slots[slot] = value }
        }
        return try record(scanner, path: path)
    }

    private mutating func slot(for key: Range<Int>, escaped: Bool, in scanner: JSONScanner) -> Int? {
        if escaped {
            guard let name = scanner.string(key, escaped: true) else { return nil }
            return Self.keys.firstIndex { $0.name == name }
        }
        let expected = followers[previousSlot]
        let slot: Int
        if scanner.bytes(key, equal: Self.keys[expected].bytes) {
            slot = expected
        } else {
            guard let found = Self.keys.firstIndex(where: { scanner.bytes(key, equal: $0.bytes) }) else { return nil }
            slot = found
            followers[previousSlot] = found
        }
        previousSlot = slot
        return slot
    }

    private mutating func record(_ scanner: JSONScanner, path: ElementPath) throws(AnswerDecodingError) -> UsageRecord {
        let reader = ColumnReader(scanner: scanner, slots: slots, path: path)
        guard let chargeStart = try reader.timestamp(.chargePeriodStart) else { throw reader.missing(.chargePeriodStart) }
        guard let chargeEnd = try reader.timestamp(.chargePeriodEnd) else { throw reader.missing(.chargePeriodEnd) }
        guard chargeEnd >= chargeStart else {
            throw .invalidField(path: path.text(), problem: "has ChargePeriodEnd before ChargePeriodStart")
        }
        guard let currency = try reader.text(.billingCurrency, &texts[Column.billingCurrency.rawValue]) else {
            throw reader.missing(.billingCurrency)
        }
        guard !currency.isEmpty else {
            throw .invalidField(path: path.text(field: "BillingCurrency"), problem: "is empty")
        }
        guard let service = try reader.text(.serviceName, &texts[Column.serviceName.rawValue]) else { throw reader.missing(.serviceName) }
        guard let cost = try reader.number(.contractedCost) else { throw reader.missing(.contractedCost) }
        return UsageRecord(
            billingCurrency: currency,
            billingPeriodStart: try reader.timestamp(.billingPeriodStart),
            chargePeriodStart: chargeStart,
            chargePeriodEnd: chargeEnd,
            serviceName: service,
            consumedUnit: try reader.text(.consumedUnit, &texts[Column.consumedUnit.rawValue]) ?? "",
            consumedQuantity: try reader.number(.consumedQuantity),
            pricingQuantity: try reader.number(.pricingQuantity),
            contractedCost: cost,
            cumulatedContractedCost: try reader.number(.cumulatedContractedCost),
            cumulatedPricingQuantity: try reader.number(.cumulatedPricingQuantity),
            details: details(reader, contractedCost: cost))
    }

    /// The newer columns, read leniently: they label and group what the core columns already
    /// count, so a value of the wrong type is taken as absent rather than refusing the answer.
    private mutating func details(_ reader: ColumnReader, contractedCost: Double) -> UsageRecord.Details {
        func text(_ column: Column) -> String? {
            (try? reader.text(column, &texts[column.rawValue])) ?? nil
        }
        func differs(_ column: Column) -> Bool {
            guard let cost = (try? reader.number(column)) ?? nil else { return false }
            return cost != contractedCost
        }
        return UsageRecord.Details(
            billingAccountName: text(.billingAccountName), serviceFamily: text(.serviceFamilyName), pricingUnit: text(.pricingUnit),
            zoneID: text(.zoneID), zoneName: text(.zoneName),
            otherCostDiffers: differs(.billedCost) || differs(.effectiveCost) || differs(.listCost))
    }

    /// Converts the located columns of one record, naming the field in every error.
    private struct ColumnReader {
        let scanner: JSONScanner
        let slots: [JSONScanner.Value?]
        let path: ElementPath

        /// The spelling that counts (PascalCase first) and its value; nil when both are
        /// absent or null.
        func chosen(_ column: Column) -> (name: String, value: JSONScanner.Value)? {
            for slot in (2 * column.rawValue)...(2 * column.rawValue + 1) {
                guard let value = slots[slot] else { continue }
                if case .null = value { continue }
                return (UsageRecordFields.keys[slot].name, value)
            }
            return nil
        }

        func text(_ column: Column, _ cache: inout RecentTexts) throws(AnswerDecodingError) -> String? {
            guard let (name, value) = chosen(column) else { return nil }
            guard case .string(let range, let escaped) = value else { throw invalid(name, "is not a String") }
            let text = escaped ? scanner.string(range, escaped: true) : cache.text(range, in: scanner)
            guard let text else { throw invalid(name, "is not a valid string") }
            return text
        }

        /// Numbers are numbers on the wire; a decimal string is accepted too, as some gateways
        /// re-encode money that way.
        func number(_ column: Column) throws(AnswerDecodingError) -> Double? {
            guard let (name, value) = chosen(column) else { return nil }
            switch value {
            case .number(let range):
                if let number = scanner.double(range) { return number }
            case .string(let range, let escaped):
                if let text = scanner.string(range, escaped: escaped), let number = Double(text), number.isFinite { return number }
            default:
                break
            }
            throw invalid(name, "is not a number")
        }

        func timestamp(_ column: Column) throws(AnswerDecodingError) -> Double? {
            guard let (name, value) = chosen(column) else { return nil }
            guard case .string(let range, let escaped) = value else { throw invalid(name, "is not a String") }
            let seconds: Double? =
                if escaped {
                    scanner.string(range, escaped: true).flatMap(RFC3339Timestamp.parse)
                } else {
                    RFC3339Timestamp.parse(utf8: UnsafeRawBufferPointer(rebasing: scanner.bytes[range]))
                }
            guard let seconds else { throw invalid(name, "is not an RFC 3339 time") }
            return seconds
        }

        func missing(_ column: Column) -> AnswerDecodingError {
            invalid(column.spellings.pascal, "is missing or null")
        }

        private func invalid(_ key: String, _ problem: String) -> AnswerDecodingError {
            .invalidField(path: path.text(field: key), problem: problem)
        }
    }
}

/// The last few distinct strings read: records repeat a handful of service, unit and currency
/// names, so a repeat costs one comparison rather than a new string.
private struct RecentTexts {
    private static let capacity = 16
    private var entries: [(bytes: [UInt8], text: String)] = []
    private var next = 0

    mutating func text(_ range: Range<Int>, in scanner: JSONScanner) -> String {
        for entry in entries where scanner.bytes(range, equal: entry.bytes) { return entry.text }
        let bytes = Array(UnsafeRawBufferPointer(rebasing: scanner.bytes[range]))
        let text = String(decoding: bytes, as: UTF8.self)
        if entries.count < Self.capacity {
            entries.append((bytes, text))
        } else {
            entries[next] = (bytes, text)
            next = (next + 1) % Self.capacity
        }
        return text
    }
}
