/// What a metric family is: its name, its `# HELP` text and its type.
///
/// Names are the exporter's own constants, so an invalid one is a programming error and traps
/// at creation rather than producing an exposition that Prometheus would reject.
public struct MetricDescriptor: Sendable, Hashable {
    public let name: String
    public let help: String
    public let type: MetricType

    public init(name: String, help: String, type: MetricType) {
        precondition(MetricNameRules.isValidMetricName(name), "invalid metric name \(name)")
        self.name = name
        self.help = help
        self.type = type
    }
}
