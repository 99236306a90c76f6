/// What a metric family is: its name, its `# HELP` text, its type and, for OpenMetrics, its unit.
///
/// Names are the exporter's own constants, so an invalid one is a programming error and traps
/// at creation rather than producing an exposition that Prometheus would reject.
public struct MetricDescriptor: Sendable, Hashable {
    /// The sample name: counters end in `_total`, info families in `_info`.
    public let name: String
    public let help: String
    public let type: MetricType
    /// The OpenMetrics unit (`seconds`, `bytes`); the name must end with `_<unit>` before any
    /// `_total`.
    public let unit: String?

    public init(name: String, help: String, type: MetricType, unit: String? = nil) {
        precondition(MetricNameRules.isValidMetricName(name), "invalid metric name \(name)")
        precondition(type != .counter || name.hasSuffix("_total"), "counter \(name) must end in _total")
        precondition(type != .info || name.hasSuffix("_info"), "info family \(name) must end in _info")
        self.name = name
        self.help = help
        self.type = type
        self.unit = unit
        precondition(unit.map { familyName.hasSuffix("_" + $0) } ?? true, "\(name) must end with its unit")
    }

    /// The OpenMetrics family name: the sample name without `_total` or `_info`.
    public var familyName: String {
        switch type {
        case .counter: String(name.dropLast("_total".count))
        case .info: String(name.dropLast("_info".count))
        case .gauge, .untyped: name
        }
    }
}
