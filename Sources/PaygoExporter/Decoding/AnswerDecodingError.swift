/// Why a body could not be read as a Cloudflare v4 answer.
///
/// Carries where in the document the problem is, never the body itself: bodies are large and
/// may echo request data.
public struct AnswerDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case notJSON(String)
        case invalidField(path: String, problem: String)
    }

    private let kind: Kind

    static func notJSON(_ detail: String) -> AnswerDecodingError { .init(kind: .notJSON(detail)) }

    static func invalidField(path: String, problem: String) -> AnswerDecodingError {
        .init(kind: .invalidField(path: path, problem: problem))
    }

    /// True when the bytes are JSON but a field is wrong, as opposed to not JSON at all.
    var isInvalidField: Bool {
        if case .invalidField = kind { true } else { false }
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
