/// The identity of a usage series within an account: the unit is part of it, and so is the
/// currency, because costs in different currencies never add up.
public struct UsageSeriesKey: Sendable, Hashable, Comparable {
    public var service: String
    public var unit: String
    public var currency: String

    public init(service: String, unit: String, currency: String) {
        self.service = service
        self.unit = unit
        self.currency = currency
    }

    // Byte order, the same order the exposition's label sort uses.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        if lhs.service != rhs.service { return lhs.service.utf8.lexicographicallyPrecedes(rhs.service.utf8) }
        if lhs.unit != rhs.unit { return lhs.unit.utf8.lexicographicallyPrecedes(rhs.unit.utf8) }
        return lhs.currency.utf8.lexicographicallyPrecedes(rhs.currency.utf8)
    }
}
