/// Reads an `Accept-Encoding` header (RFC 9110 §12.5.3) for the one coding we offer.
enum AcceptEncoding {
    /// True when the client accepts gzip with a non-zero quality, named or through `*`.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        // What Prometheus and most clients send; everything else is parsed.
        if header == "gzip" { return true }
        var wildcardQuality: Double?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: " \t") }
            guard let coding = parts.first?.lowercased() else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            if coding == "gzip" || coding == "x-gzip" { return quality > 0 }
            if coding == "*" { wildcardQuality = quality }
        }
        return (wildcardQuality ?? 0) > 0
    }
}
