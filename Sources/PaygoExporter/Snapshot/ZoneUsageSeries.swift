/// One zone's share of a usage series' newest charge period (`--usage.by-zone`): the records
/// of one (service, unit, currency) and zone added up.
public struct ZoneUsageSeries: Sendable, Hashable {
    public var key: UsageSeriesKey
    /// `ZoneId`; "" for account-level charges (a null zone).
    public var zoneID: String
    /// `ZoneName` of the zone's first record; "" where null.
    public var zoneName: String
    public var serviceFamily: String
    public var contractedCost: Double
    public var consumedQuantity: Double?

    init(key: UsageSeriesKey, zoneID: String, record: UsageRecord, serviceFamily: String) {
        self.key = key
        self.zoneID = zoneID
        zoneName = record.details.zoneName ?? ""
        self.serviceFamily = serviceFamily
        contractedCost = record.contractedCost
        consumedQuantity = record.consumedQuantity
    }

    mutating func add(_ record: UsageRecord) {
        contractedCost += record.contractedCost
        if let quantity = record.consumedQuantity { consumedQuantity = (consumedQuantity ?? 0) + quantity }
        if zoneName.isEmpty, let name = record.details.zoneName { zoneName = name }
    }

    /// Series order, then zone id in byte order: the order the exposition lists them in.
    static func precedes(_ lhs: Self, _ rhs: Self) -> Bool {
        lhs.key != rhs.key ? lhs.key < rhs.key : lhs.zoneID.utf8.lexicographicallyPrecedes(rhs.zoneID.utf8)
    }
}
