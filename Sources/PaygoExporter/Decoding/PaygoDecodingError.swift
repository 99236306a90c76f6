/// Why a body could not be read as a PayGo usage answer.
///
/// Carries where in the document the problem is, never the body itself: bodies are large and
/// may echo request data.
public struct PaygoDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case notJSON(String)
        case invalidField(path: String, problem: String)
    }

    private let kind: Kind

    static func notJSON(_ detail: String) -> PaygoDecodingError { .init(kind: .notJSON(detail)) }

    static func invalidField(path: String, problem: String) -> PaygoDecodingError {
        .init(kind: .invalidField(path: path, problem: problem))
    }

    public var description: String {
        switch kind {
        case .notJSON(let detail):
            "the answer is not a JSON Cloudflare envelope (\(detail))"
        case .invalidField(let path, let problem):
            "the answer's field \(path) \(problem)"
        }
    }
}
