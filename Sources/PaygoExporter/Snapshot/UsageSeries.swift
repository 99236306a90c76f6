/// The newest charge period of one (service, unit, currency) in an account, with every record
/// of that key and period added up.
///
/// Optional columns stay optional: a value no record carried is absent, not zero.
public struct UsageSeries: Sendable, Hashable {
    public var key: UsageSeriesKey
    public var chargePeriodStart: Double
    public var chargePeriodEnd: Double
    public var contractedCost: Double
    public var cumulatedContractedCost: Double?
    public var consumedQuantity: Double?
    public var pricingQuantity: Double?
    public var cumulatedPricingQuantity: Double?
    /// The product family (`ServiceFamilyName`), "" where no record names one.
    public var serviceFamily: String
    /// The unit `pricingQuantity` is counted in (`PricingUnit`); nil on the older paths.
    public var pricingUnit: String?

    init(key: UsageSeriesKey, record: UsageRecord) {
        self.key = key
        chargePeriodStart = record.chargePeriodStart
        chargePeriodEnd = record.chargePeriodEnd
        contractedCost = record.contractedCost
        cumulatedContractedCost = record.cumulatedContractedCost
        consumedQuantity = record.consumedQuantity
        pricingQuantity = record.pricingQuantity
        cumulatedPricingQuantity = record.cumulatedPricingQuantity
        serviceFamily = record.details.serviceFamily ?? ""
        pricingUnit = record.details.pricingUnit
    }

    /// Adds a record of the same key and charge period (e.g. split by zone or subscription).
    mutating func add(_ record: UsageRecord) {
        chargePeriodEnd = max(chargePeriodEnd, record.chargePeriodEnd)
        contractedCost += record.contractedCost
        cumulatedContractedCost = Self.sum(cumulatedContractedCost, record.cumulatedContractedCost)
        consumedQuantity = Self.sum(consumedQuantity, record.consumedQuantity)
        pricingQuantity = Self.sum(pricingQuantity, record.pricingQuantity)
        cumulatedPricingQuantity = Self.sum(cumulatedPricingQuantity, record.cumulatedPricingQuantity)
        if serviceFamily.isEmpty, let family = record.details.serviceFamily { serviceFamily = family }
        if pricingUnit == nil { pricingUnit = record.details.pricingUnit }
    }

    private static func sum(_ lhs: Double?, _ rhs: Double?) -> Double? {
        switch (lhs, rhs) {
        case (nil, nil): nil
        case (let value?, nil), (nil, let value?): value
        case (let left?, let right?): left + right
        }
    }
}
