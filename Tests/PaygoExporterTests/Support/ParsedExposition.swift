/// A strict reader of the text format, independent of the encoder under test: every sample
/// line must parse, label values are unescaped, and a series may appear only once.
struct ParsedExposition: Sendable {
    struct Series: Sendable, Hashable {
        var name: String
        var labels: [String: String]
    }

    let text: String
    private(set) var samples: [Series: Double] = [:]
    private(set) var types: [String: String] = [:]
    private(set) var helps: [String: String] = [:]

    init(_ text: String) throws {
        self.text = text
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { continue }
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst(7)
                let name = String(rest.prefix { $0 != " " })
                guard helps[name] == nil else { throw TestFailure("HELP twice for \(name)") }
                helps[name] = String(rest.dropFirst(name.count + 1))
                continue
            }
            if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ")
                guard parts.count == 2, types[String(parts[0])] == nil else { throw TestFailure("bad or repeated TYPE: \(line)") }
                types[String(parts[0])] = String(parts[1])
                continue
            }
            if line.hasPrefix("#") { continue }
            let (series, value) = try Self.parseSample(Array(line.unicodeScalars))
            guard samples[series] == nil else { throw TestFailure("duplicate series \(line)") }
            samples[series] = value
        }
    }

    /// The value of the one series named `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matches = matching(name, labels)
        return matches.count == 1 ? matches[0].value : nil
    }

    func matching(_ name: String, _ labels: [String: String] = [:]) -> [(labels: [String: String], value: Double)] {
        samples.filter { series, _ in
            series.name == name && labels.allSatisfy { series.labels[$0.key] == $0.value }
        }.map { ($0.key.labels, $0.value) }
    }

    private static func parseSample(_ s: [Unicode.Scalar]) throws -> (Series, Double) {
        var i = 0
        var name = ""
        while i < s.count, s[i] != "{", s[i] != " " {
            name.unicodeScalars.append(s[i])
            i += 1
        }
        var labels: [String: String] = [:]
        if i < s.count, s[i] == "{" {
            i += 1
            while i < s.count, s[i] != "}" {
                var labelName = ""
                while i < s.count, s[i] != "=" {
                    labelName.unicodeScalars.append(s[i])
                    i += 1
                }
                guard i + 1 < s.count, s[i + 1] == "\"" else {
                    throw TestFailure("label without quote in \(String(String.UnicodeScalarView(s)))")
                }
                i += 2
                var value = ""
                while i < s.count, s[i] != "\"" {
                    if s[i] == "\\" {
                        guard i + 1 < s.count else { throw TestFailure("dangling escape") }
                        switch s[i + 1] {
                        case "\\": value += "\\"
                        case "\"": value += "\""
                        case "n": value += "\n"
                        default: throw TestFailure("invalid escape \\\(s[i + 1])")
                        }
                        i += 2
                    } else {
                        guard s[i] != "\n" else { throw TestFailure("raw newline in label value") }
                        value.unicodeScalars.append(s[i])
                        i += 1
                    }
                }
                guard i < s.count else { throw TestFailure("unterminated label value") }
                i += 1
                guard labels[labelName] == nil else { throw TestFailure("label \(labelName) twice") }
                labels[labelName] = value
                if i < s.count, s[i] == "," { i += 1 }
            }
            guard i < s.count else { throw TestFailure("unterminated label set") }
            i += 1
        }
        guard i < s.count, s[i] == " " else { throw TestFailure("no value") }
        let valueText = String(String.UnicodeScalarView(s[(i + 1)...]))
        let value: Double
        switch valueText {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let parsed = Double(valueText) else { throw TestFailure("bad value \(valueText)") }
            value = parsed
        }
        return (Series(name: name, labels: labels), value)
    }
}
