import Foundation
import Yams

/// Reading the exporter's YAML files (`--web.config.file`, `--budget.config-file`) the same way:
/// a missing or unreadable file and invalid YAML are one-line errors that name the flag.
enum YAMLConfigFile {
    static func read(path: String, flag: String) throws(ConfigurationError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError("cannot read \(flag) \(path)", fix: "check that it exists and is readable by this user")
        }
    }

    /// The document's root node; nil for an empty file.
    static func compose(_ text: String, failing fail: (String) -> ConfigurationError) throws(ConfigurationError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch {
            // Yams ends its message ("...: problem:") with the offending line of the file, which
            // may hold a password hash, and would break the one-line error: only the message.
            let lines = "\(error)".split(separator: "\n")
            var message = lines.prefix(through: lines.firstIndex { $0.hasSuffix(":") } ?? 0).joined(separator: " ")
            // The colon (and a "Context" heading) announced the line left out.
            for tail in [":", " Context", "."] where message.hasSuffix(tail) { message.removeLast(tail.count) }
            throw fail("is not valid YAML (\(String(message.prefix(160))))")
        }
    }
}
