/// The type written on a family's `# TYPE` line.
public enum MetricType: String, Sendable, Hashable {
    case counter
    case gauge
    case untyped
}
