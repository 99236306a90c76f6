/// Sample lines, values and escaping shared by both exposition formats; `ExpositionFormat`
/// writes the family headers and whole bodies.
///
/// The writer appends to a byte array so callers can keep pre-rendered fragments and join them
/// with plain copies.
public enum TextFormat {
    /// Samples sorted by their label pairs, compared pair by pair.
    public static func sortedSamples(_ samples: [Sample]) -> [Sample] {
        samples.sorted { $0.labels.lexicographicallyPrecedes($1.labels) }
    }

    /// Appends one sample line: `name{label="value",...} value`, and a timestamp in seconds
    /// when given (OpenMetrics backfill files carry them; live scrapes never do).
    public static func appendSample(name: String, labels: [Label], value: Double, timestamp: Double? = nil, to output: inout [UInt8]) {
        output.append(contentsOf: name.utf8)
        if !labels.isEmpty {
            output.append(UInt8(ascii: "{"))
            for (index, label) in labels.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                output.append(contentsOf: label.name.utf8)
                output.append(contentsOf: "=\"".utf8)
                appendEscaped(label.value, escapingQuotes: true, to: &output)
                output.append(UInt8(ascii: "\""))
            }
            output.append(UInt8(ascii: "}"))
        }
        output.append(UInt8(ascii: " "))
        output.append(contentsOf: formatValue(value).utf8)
        if let timestamp {
            output.append(UInt8(ascii: " "))
            output.append(contentsOf: formatValue(timestamp).utf8)
        }
        output.append(UInt8(ascii: "\n"))
    }

    /// A float as the format spells it: shortest text that reads back to the same double,
    /// `+Inf`, `-Inf` and `NaN`, and whole numbers without a trailing `.0`.
    public static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        // Swift's description is the shortest text that reads back exactly; whole numbers
        // read better without its trailing ".0".
        let text = value.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// HELP text escapes backslash and newline; label values also escape the double quote.
    static func appendEscaped(_ text: String, escapingQuotes: Bool, to output: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"):
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"):
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\"") where escapingQuotes:
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            default:
                output.append(byte)
            }
        }
    }
}
