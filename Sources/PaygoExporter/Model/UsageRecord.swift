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
    /// The columns the current path added (nil where the answer leaves them out or null, as
    /// the older paths always do).
    public var details: Details

    /// What the 27-column records carry beyond the 11 the first path had.
    public struct Details: Sendable, Hashable {
        /// `BillingAccountName`: the account's name, null while Cloudflare has not resolved it.
        public var billingAccountName: String?
        /// `ServiceFamilyName`: the product the service belongs to ("Workers", "R2").
        public var serviceFamily: String?
        /// `PricingUnit`: the unit `PricingQuantity` is counted in ("Count" by default).
        public var pricingUnit: String?
        /// `ZoneId` and `ZoneName`: the zone a charge belongs to; nil for account-level charges.
        public var zoneID: String?
        public var zoneName: String?
        /// Whether `BilledCost`, `EffectiveCost` or `ListCost` differs from `ContractedCost`
        /// (they are equal for PayGo today; a difference means Cloudflare changed something).
        public var otherCostDiffers: Bool

        public init(
            billingAccountName: String? = nil, serviceFamily: String? = nil, pricingUnit: String? = nil, zoneID: String? = nil,
            zoneName: String? = nil, otherCostDiffers: Bool = false
        ) {
            self.billingAccountName = billingAccountName
            self.serviceFamily = serviceFamily
            self.pricingUnit = pricingUnit
            self.zoneID = zoneID
            self.zoneName = zoneName
            self.otherCostDiffers = otherCostDiffers
        }
    }

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
        cumulatedPricingQuantity: Double?,
        details: Details = Details()
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
        self.details = details
    }
}
