/// A descriptor with its samples: the unit the encoder writes.
public struct MetricFamily: Sendable {
    public let descriptor: MetricDescriptor
    public var samples: [Sample]

    public init(_ descriptor: MetricDescriptor, samples: [Sample] = []) {
        self.descriptor = descriptor
        self.samples = samples
    }
}
