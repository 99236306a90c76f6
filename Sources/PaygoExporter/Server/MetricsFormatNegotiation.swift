import PrometheusExposition

/// Picks the exposition format from an `Accept` header, as Prometheus's own handler does:
/// OpenMetrics when the scraper asks for it at least as strongly as for the text format.
enum MetricsFormatNegotiation {
    static func format(forAccept header: String?, openMetricsEnabled: Bool) -> ExpositionFormat {
        guard openMetricsEnabled, let header else { return .prometheusText }
        var openMetricsQuality = 0.0
        var textQuality = 0.0
        for range in header.split(separator: ",") {
            let parameters = range.split(separator: ";").map { String($0).trimmingCharacters(in: " \t").lowercased() }
            guard let mediaType = parameters.first else { continue }
            var quality = 1.0
            var version: String?
            for parameter in parameters.dropFirst() {
                if parameter.hasPrefix("q=") { quality = Double(parameter.dropFirst(2)) ?? 0 }
                if parameter.hasPrefix("version=") { version = String(parameter.dropFirst(8)) }
            }
            switch mediaType {
            case "application/openmetrics-text" where version == nil || version == "1.0.0" || version == "0.0.1":
                openMetricsQuality = max(openMetricsQuality, quality)
            case "text/plain", "*/*", "text/*":
                textQuality = max(textQuality, quality)
            default:
                continue
            }
        }
        return openMetricsQuality > 0 && openMetricsQuality >= textQuality ? .openMetrics : .prometheusText
    }
}
