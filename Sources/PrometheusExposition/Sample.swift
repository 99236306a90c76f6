/// One line of a family: its labels and its value. The sample's name is the family's name.
public struct Sample: Sendable, Hashable {
    public let labels: [Label]
    public let value: Double

    public init(labels: [Label], value: Double) {
        self.labels = labels
        self.value = value
    }
}
