/// The two exposition formats a scraper can ask for. Sample lines are the same in both; the
/// family headers and the end of the body differ.
public enum ExpositionFormat: Sendable, Hashable, CaseIterable {
    /// Prometheus text format 0.0.4.
    case prometheusText
    /// OpenMetrics 1.0.0.
    case openMetrics

    public var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// The family's header lines: HELP and TYPE, and UNIT in OpenMetrics where there is one.
    public func appendHeader(_ descriptor: MetricDescriptor, to output: inout [UInt8]) {
        switch self {
        case .prometheusText:
            let type = descriptor.type == .info ? "gauge" : descriptor.type.rawValue
            appendLine("HELP", descriptor.name, descriptor.help, escapeQuotes: false, to: &output)
            appendLine("TYPE", descriptor.name, type, escapeQuotes: nil, to: &output)
        case .openMetrics:
            let family = descriptor.familyName
            let type = descriptor.type == .untyped ? "unknown" : descriptor.type.rawValue
            appendLine("TYPE", family, type, escapeQuotes: nil, to: &output)
            if let unit = descriptor.unit {
                appendLine("UNIT", family, unit, escapeQuotes: nil, to: &output)
            }
            appendLine("HELP", family, descriptor.help, escapeQuotes: true, to: &output)
        }
    }

    /// What closes a body: `# EOF` in OpenMetrics, nothing in the text format.
    public func appendEnd(to output: inout [UInt8]) {
        if self == .openMetrics { output.append(contentsOf: "# EOF\n".utf8) }
    }

    /// Whole families in a stable order: families sorted by name, samples by labels; with the
    /// end marker when `terminated`.
    public func encode(_ families: [MetricFamily], terminated: Bool = true) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(families.count * 256)
        for family in families.sorted(by: { $0.descriptor.name.utf8.lexicographicallyPrecedes($1.descriptor.name.utf8) }) {
            appendHeader(family.descriptor, to: &output)
            for sample in TextFormat.sortedSamples(family.samples) {
                TextFormat.appendSample(name: family.descriptor.name, labels: sample.labels, value: sample.value, to: &output)
            }
        }
        if terminated { appendEnd(to: &output) }
        return output
    }

    /// `# KEYWORD name text`; `escapeQuotes` nil for texts that need no escaping at all.
    private func appendLine(_ keyword: String, _ name: String, _ text: String, escapeQuotes: Bool?, to output: inout [UInt8]) {
        output.append(contentsOf: "# \(keyword) ".utf8)
        output.append(contentsOf: name.utf8)
        output.append(UInt8(ascii: " "))
        if let escapeQuotes {
            TextFormat.appendEscaped(text, escapingQuotes: escapeQuotes, to: &output)
        } else {
            output.append(contentsOf: text.utf8)
        }
        output.append(UInt8(ascii: "\n"))
    }
}
