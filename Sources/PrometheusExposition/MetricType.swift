/// The type written on a family's `# TYPE` line.
public enum MetricType: String, Sendable, Hashable {
    case counter
    case gauge
    /// An OpenMetrics info family (`*_info`, value 1); the 0.0.4 text format calls it a gauge.
    case info
    case untyped
}
