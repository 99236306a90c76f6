/// A startup problem with flags, environment or files: one line naming the problem and the fix.
/// Never quotes a secret.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    init(_ problem: String, fix: String) {
        description = "\(problem); \(fix)"
    }
}
