/// One `name="value"` pair of a sample. Values may hold any Unicode; they are escaped when written.
public struct Label: Sendable, Hashable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        precondition(MetricNameRules.isValidLabelName(name), "invalid label name \(name)")
        self.name = name
        self.value = value
    }
}

extension Label: Comparable {
    public static func < (lhs: Label, rhs: Label) -> Bool {
        if lhs.name != rhs.name { return lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8) }
        return lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
    }
}
