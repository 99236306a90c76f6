/// A decoded Cloudflare v4 envelope: `success`, `errors` and the endpoint's `result`.
public struct APIAnswer<Value: Sendable>: Sendable {
    public var success: Bool
    public var errors: [APIMessage]
    /// The endpoint's result; its empty value for a failed answer that carried none.
    public var result: Value

    public init(success: Bool, errors: [APIMessage], result: Value) {
        self.success = success
        self.errors = errors
        self.result = result
    }
}

extension APIAnswer: Equatable where Value: Equatable {}
extension APIAnswer: Hashable where Value: Hashable {}

/// One entry of an envelope's `errors` or `messages` list.
public struct APIMessage: Sendable, Hashable {
    public var code: Int?
    public var message: String

    public init(code: Int?, message: String) {
        self.code = code
        self.message = message
    }
}

/// The usage endpoint's answer.
public typealias PaygoAnswer = APIAnswer<[UsageRecord]>

extension APIAnswer where Value == [UsageRecord] {
    /// Empty both for a valid answer with no usage yet and for a failed one; check `success`.
    public var records: [UsageRecord] { result }

    public init(success: Bool, errors: [APIMessage], records: [UsageRecord]) {
        self.init(success: success, errors: errors, result: records)
    }
}
