/// One record of a PayGo usage answer: one (service, unit) line for one charge period.
///
/// Field meanings follow the FinOps FOCUS columns Cloudflare names them after. Times are Unix
/// seconds (UTC). Columns that an answer may leave out or set to null are optional here, so an
/// absent value is never mistaken for zero.
public struct UsageRecord: Sendable, Hashable {
    /// ISO 4217 code; costs in different currencies never add up.
    public var billingCurrency: String
    public var billingPeriodStart: Double?
    /// Inclusive start of the charge period.
    public var chargePeriodStart: Double
    /// Exclusive end of the charge period.
    public var chargePeriodEnd: Double
    public var serviceName: String
    /// Empty when the answer gives no unit (null or "").
    public var consumedUnit: String
    public var consumedQuantity: Double?
    public var pricingQuantity: Double?
    public var contractedCost: Double
    /// Cost from the billing period's start up to this record's charge period.
    public var cumulatedContractedCost: Double?
    public var cumulatedPricingQuantity: Double?

    public init(
        billingCurrency: String,
        billingPeriodStart: Double?,
        chargePeriodStart: Double,
        chargePeriodEnd: Double,
        serviceName: String,
        consumedUnit: String,
        consumedQuantity: Double?,
        pricingQuantity: Double?,
        contractedCost: Double,
        cumulatedContractedCost: Double?,
        cumulatedPricingQuantity: Double?
    ) {
        self.billingCurrency = billingCurrency
        self.billingPeriodStart = billingPeriodStart
        self.chargePeriodStart = chargePeriodStart
        self.chargePeriodEnd = chargePeriodEnd
        self.serviceName = serviceName
        self.consumedUnit = consumedUnit
        self.consumedQuantity = consumedQuantity
        self.pricingQuantity = pricingQuantity
        self.contractedCost = contractedCost
        self.cumulatedContractedCost = cumulatedContractedCost
        self.cumulatedPricingQuantity = cumulatedPricingQuantity
    }
}
